"""``--resume`` with another batch size, number of processes or set of clips is
refused with the reason: it would skip other clips than the interrupted run
trained on and end its per-iteration schedule elsewhere."""
import os
import uuid

import pytest
import torch
from test_runner import TinyModel

from avloc.engine import AVLocRunner


def resumable_runner(work_dir: str, batch_size: int, num_clips: int = 8,
                     resume_from: str = None) -> AVLocRunner:
    return AVLocRunner(
        # MMEngine keeps one logger and visualiser per experiment name
        model=TinyModel(), work_dir=work_dir, experiment_name=uuid.uuid4().hex,
        train_dataloader=dict(dataset=[dict(inputs=torch.randn(2)) for _ in range(num_clips)],
                              batch_size=batch_size, sampler=dict(type='DefaultSampler'),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        param_scheduler=dict(type='CosineAnnealingLR', by_epoch=True, T_max=2,
                             convert_to_iter_based=True),
        train_cfg=dict(type='ResumableEpochBasedTrainLoop', max_epochs=2),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=3,
                                           by_epoch=False)),
        resume=resume_from is not None, load_from=resume_from, default_scope='avloc')


def test_resume_with_the_same_layout_runs_to_the_end(tmp_path):
    first = str(tmp_path / 'first')
    resumable_runner(first, batch_size=2).train()
    resumed = resumable_runner(str(tmp_path / 'resumed'), batch_size=2,
                               resume_from=os.path.join(first, 'iter_3.pth'))
    resumed.train()
    assert resumed.iter == 8


@pytest.mark.parametrize('batch_size, num_clips, what', [
    (4, 8, 'batch_size 2 in the checkpoint, 4 now.*batches_per_epoch 4 in the checkpoint, '
           '2 now'),
    (2, 10, 'num_clips 8 in the checkpoint, 10 now, batches_per_epoch 4 in the checkpoint, '
            '5 now'),
])
def test_resume_with_another_layout_is_refused_with_the_reason(
        tmp_path, batch_size, num_clips, what):
    first = str(tmp_path / 'first')
    resumable_runner(first, batch_size=2).train()
    resumed = resumable_runner(str(tmp_path / 'resumed'), batch_size=batch_size,
                               num_clips=num_clips,
                               resume_from=os.path.join(first, 'iter_3.pth'))
    with pytest.raises(ValueError, match=f'cannot resume at iteration 3: .*{what}.*'
                                         'load_from='):
        resumed.train()
    assert resumed.iter == 3  # not a step trained
