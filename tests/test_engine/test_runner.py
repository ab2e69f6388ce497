"""AVLocRunner saves a checkpoint whole or not at all."""
import errno
import glob
import os

import mmengine.runner.runner as mmengine_runner
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel

from avloc.engine import AVLocRunner
from avloc.utils import load_checkpoint_file


class TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return dict(loss=self.linear(inputs).pow(2).mean())


def tiny_runner(work_dir: str, max_epochs: int) -> AVLocRunner:
    return AVLocRunner(
        model=TinyModel(), work_dir=work_dir, experiment_name=os.path.basename(work_dir),
        train_dataloader=dict(dataset=[dict(inputs=torch.randn(2)) for _ in range(4)],
                              batch_size=2, sampler=dict(type='DefaultSampler'),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        default_scope='avloc')  # the scope later tests' registries build in


def test_training_saves_loadable_checkpoints_and_no_partial_file(tmp_path):
    runner = tiny_runner(str(tmp_path), max_epochs=2)
    runner.train()
    for epoch in (1, 2):
        checkpoint = load_checkpoint_file(str(tmp_path / f'epoch_{epoch}.pth'))
        assert checkpoint['meta']['epoch'] == epoch
    assert not glob.glob(str(tmp_path / '**' / '*.partial'), recursive=True)


def test_a_save_that_fails_midway_leaves_no_file_under_the_name(tmp_path, monkeypatch):
    """Disk full after half the bytes: the error reaches the caller, nothing named
    epoch_2.pth appears, the partial file is gone and epoch_1.pth is untouched."""
    runner = tiny_runner(str(tmp_path), max_epochs=1)
    runner.train()
    first = (tmp_path / 'epoch_1.pth').read_bytes()

    def half_written(checkpoint, path, **kwargs):
        with open(path, 'wb') as f:
            f.write(first[:len(first) // 2])
        raise OSError(errno.ENOSPC, 'No space left on device', path)

    monkeypatch.setattr(mmengine_runner, 'save_checkpoint', half_written)
    with pytest.raises(OSError, match='No space left'):
        runner.save_checkpoint(str(tmp_path), 'epoch_2.pth')
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert not (tmp_path / 'epoch_2.pth.partial').exists()
    assert (tmp_path / 'epoch_1.pth').read_bytes() == first
