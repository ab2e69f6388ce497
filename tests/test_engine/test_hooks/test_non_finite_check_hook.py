"""NonFiniteCheckHook: a NaN or inf stops training (or skips the step) and is never
saved; on a toy model with 4 iterations per epoch, and end to end with train.py."""
import glob
import math
import os
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from tool_runner import ROOT, data_options

from avloc.engine.hooks import NonFiniteCheckHook, non_finite_names
from avloc.structures import AVDataSample

NAN, INF = float('nan'), float('inf')


class ToyModel(BaseModel):
    """Two loss terms; at the given forward calls (1-based) loss_b is ``bad_loss``,
    or the BatchNorm statistics or an unused weight are poisoned while the loss
    stays finite."""

    def __init__(self, bad_loss_at=(), bad_loss=NAN, bad_buffer_at=(), bad_weight_at=()):
        super().__init__()
        self.bn = nn.BatchNorm1d(2)
        self.linear = nn.Linear(2, 1)
        self.unused = nn.Parameter(torch.zeros(3))  # no gradient: Adam never moves it
        self.bad_loss_at, self.bad_loss = bad_loss_at, bad_loss
        self.bad_buffer_at, self.bad_weight_at = bad_buffer_at, bad_weight_at
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.calls += 1
        with torch.no_grad():  # before the forward pass, which saves tensors for backward
            if self.calls in self.bad_buffer_at:
                self.bn.running_var[1] = INF  # the batch's own statistics stay finite
            if self.calls in self.bad_weight_at:
                self.unused[0] = NAN
        loss_a = self.linear(self.bn(inputs)).pow(2).mean()
        loss_b = torch.tensor(self.bad_loss if self.calls in self.bad_loss_at else 0.5)
        return dict(loss_a=loss_a, loss_b=loss_b)


def clip_batch(batch):
    """default_collate for the toy samples, which name their clips."""
    return dict(inputs=torch.stack([s['inputs'] for s in batch]),
                data_samples=[s['data_samples'] for s in batch])


def train(tmp_path, model, hook=None, max_epochs=2):
    """Train ``model`` on 8 samples in batches of 2, a checkpoint after each epoch."""
    data = [dict(inputs=torch.randn(2),
                 data_samples=AVDataSample(metainfo=dict(clip_id=f'c{i}')))
            for i in range(8)]
    runner = Runner(
        model=model, work_dir=str(tmp_path), experiment_name=tmp_path.name,
        train_dataloader=dict(dataset=data, batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=clip_batch),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[hook or NonFiniteCheckHook()], default_scope='avloc')
    runner.train()
    return runner


def saved(tmp_path):
    return sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / '*.pth')))


def logged(tmp_path):
    return ''.join(open(p).read() for p in glob.glob(str(tmp_path / '*' / '*.log')))


def test_non_finite_loss_stops_naming_iteration_epoch_terms_and_clips(tmp_path):
    with pytest.raises(FloatingPointError) as err:
        train(tmp_path, ToyModel(bad_loss_at=(7,)))
    message = str(err.value)
    assert message.startswith('iteration 7 (epoch 2): non-finite loss: loss=nan, loss_a=')
    assert 'loss_b=nan, in a batch of clips c4, c5.' in message
    assert saved(tmp_path) == ['epoch_1.pth']  # nothing after the divergence
    with pytest.raises(FloatingPointError, match=r'iteration 1 \(epoch 1\): non-finite '
                       r'loss: loss=inf, loss_a=[\d.]+, loss_b=inf'):
        train(tmp_path / 'inf', ToyModel(bad_loss_at=(1,), bad_loss=INF))


def test_non_finite_batchnorm_statistics_stop(tmp_path):
    with pytest.raises(FloatingPointError, match=r'iteration 3 \(epoch 1\): non-finite '
                       r'buffers \(BatchNorm running statistics\) after the step: '
                       r'bn.running_var \(loss terms: loss=[\d.]+, loss_a=[\d.]+, '
                       r'loss_b=0.5\)'):
        train(tmp_path, ToyModel(bad_buffer_at=(3,)))
    assert saved(tmp_path) == []


def test_non_finite_weights_stop_at_the_next_checked_iteration(tmp_path):
    with pytest.raises(FloatingPointError, match=r'iteration 2 \(epoch 1\): non-finite '
                       'weights after the step: unused'):
        train(tmp_path, ToyModel(bad_weight_at=(2,)))
    every3 = NonFiniteCheckHook(param_interval=3)
    with pytest.raises(FloatingPointError, match=r'iteration 3 \(epoch 1\): non-finite '
                       'weights'):
        train(tmp_path / 'a', ToyModel(bad_weight_at=(2,)), every3)
    # Iteration 4 is not checked, but the checkpoint after it is.
    with pytest.raises(FloatingPointError, match='refusing to save the checkpoint of '
                       'epoch 1, iteration 4: non-finite values in unused'):
        train(tmp_path / 'b', ToyModel(bad_weight_at=(4,)), every3)
    assert saved(tmp_path / 'b') == []


def test_skip_mode_skips_the_step_counts_and_logs_it(tmp_path):
    model = ToyModel(bad_loss_at=(2, 3, 6))
    runner = train(tmp_path, model, dict(type='NonFiniteCheckHook', on_non_finite='skip',
                                         max_consecutive_skips=2))
    adam = runner.optim_wrapper.optimizer
    assert int(adam.state[model.linear.weight]['step']) == 8 - 3
    assert not non_finite_names(model.named_parameters())
    log = logged(tmp_path)
    assert ('iteration 3 (epoch 1): non-finite loss: loss=nan, loss_a=') in log
    assert 'step skipped (2 in a row, 2 in this run)' in log
    assert 'step skipped (1 in a row, 3 in this run)' in log
    assert '3 training steps were skipped for a non-finite loss' in log
    assert saved(tmp_path) == ['epoch_1.pth', 'epoch_2.pth']
    assert 'update_params' not in vars(runner.optim_wrapper)  # the guard is removed


def test_too_many_consecutive_skips_stop(tmp_path):
    with pytest.raises(FloatingPointError, match=r'iteration 3 \(epoch 1\): non-finite '
                       r'loss: .*3 steps in a row had a non-finite loss, more than '
                       'max_consecutive_skips=2'):
        train(tmp_path, ToyModel(bad_loss_at=range(1, 9)),
              NonFiniteCheckHook(on_non_finite='skip', max_consecutive_skips=2))
    assert saved(tmp_path) == []


def test_a_checkpoint_with_non_finite_values_is_never_written():
    hook = NonFiniteCheckHook()
    state = dict(a=torch.zeros(2), b=torch.tensor([1.0, NAN]), n=torch.tensor(3))
    with pytest.raises(FloatingPointError, match='refusing to save the checkpoint of '
                       'epoch 2, iteration 8: non-finite values in b$'):
        hook.before_save_checkpoint(None, dict(meta=dict(epoch=2, iter=8),
                                               state_dict=state))
    hook.before_save_checkpoint(None, dict(state_dict=dict(a=torch.zeros(2))))


def test_non_finite_names_is_exact_where_the_fused_norm_overflows():
    named = [('big', torch.full((4,), 1e30)), ('inf', torch.tensor([INF])),
             ('nan', torch.tensor([0.0, NAN], dtype=torch.float64)),
             ('int', torch.tensor([1])), ('empty', torch.zeros(0))]
    assert non_finite_names(named) == ['inf', 'nan']
    assert math.isinf(torch.linalg.vector_norm(named[0][1]))  # why the exact pass
    assert non_finite_names(named[:1]) == []


def test_bad_options_are_rejected():
    with pytest.raises(ValueError, match="'stop' or 'skip'"):
        NonFiniteCheckHook(on_non_finite='ignore')
    with pytest.raises(ValueError, match='param_interval'):
        NonFiniteCheckHook(param_interval=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='AmpOptimWrapper needs a GPU')
def test_skip_mode_keeps_amp_working(tmp_path):
    """AmpOptimWrapper still scales, steps and skips its own inf-gradient steps."""
    model = ToyModel(bad_loss_at=(2,))
    runner = Runner(
        model=model, work_dir=str(tmp_path), experiment_name=tmp_path.name,
        train_dataloader=dict(dataset=[dict(inputs=torch.randn(2)) for _ in range(8)],
                              batch_size=2, sampler=dict(type='DefaultSampler'),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(type='AmpOptimWrapper', optimizer=dict(type='Adam', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        custom_hooks=[NonFiniteCheckHook(on_non_finite='skip')])
    runner.train()
    assert int(runner.optim_wrapper.optimizer.state[model.linear.weight]['step']) <= 3
    assert not non_finite_names(model.named_parameters())


def test_train_with_a_nan_loss_exits_non_zero_and_saves_nothing(tiny_avshapes, tmp_path):
    """Before the hook this run logged `loss: nan` to the end, exited 0 and saved its
    best checkpoint."""
    config = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir', str(tmp_path),
         '--cfg-options', *data_options(tiny_avshapes), 'train_dataloader.batch_size=8',
         'model.equivariance_loss.loss_weight=nan'],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert ('FloatingPointError: iteration 1 (epoch 1): non-finite loss: loss=nan, '
            'loss_cl=') in proc.stderr
    assert 'loss_equiv=nan, in a batch of clips ' in proc.stderr
    assert not glob.glob(str(tmp_path / '**' / '*.pth'), recursive=True)
