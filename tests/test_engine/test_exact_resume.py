"""A run killed (SIGKILL) in the middle of an epoch and resumed ends with the same
weights, bit for bit, as an uninterrupted run with the same seed: on one process
with a persistent dataloader worker, and on two gloo ranks."""
import os
import subprocess
import sys

import torch
from tool_runner import ROOT, data_options

from avloc.engine.work_dir_lock import WorkDirLock

# Everything that draws random numbers: crops, flips, colour, SpecAugment, audio
# mixing (a neighbour table written after epoch 1) and the equivariance transform.
CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ablation',
                      'ssltie_r18_1xb16-2e_avshapes1k_f-equivariance.py')
HOOKS_DIR = os.path.dirname(os.path.abspath(__file__))
ENV = dict(PYTHONPATH=os.pathsep.join([HOOKS_DIR, os.environ.get('PYTHONPATH', '')]))


def killing_config(tmp_path, kill_at: int) -> str:
    """CONFIG plus a hook that kills every rank after iteration ``kill_at``."""
    path = tmp_path / 'killed_mid_epoch.py'
    path.write_text(f"""_base_ = [{CONFIG!r}]
custom_imports = dict(imports=['avloc', 'kill_at_iteration'], allow_failed_imports=False)
custom_hooks = [
    dict(type='HeatmapVisualizationHook', draw=False),
    dict(type='AudioMixingHook', queue_size=4000,
         pipeline=[{{{{_base_.audio_loader}}}}, {{{{_base_.spectrogram}}}},
                   dict(type='PackAVInputs')]),
    dict(type='KillAtIterationHook', iteration={kill_at}),
]
""")
    return str(path)


def options(root: str, batch_size: int, num_workers: int, interval: int):
    return ['--seed', '1', '--cfg-options', *data_options(root),
            f'train_dataloader.batch_size={batch_size}',
            f'train_dataloader.num_workers={num_workers}',
            f'train_dataloader.persistent_workers={num_workers > 0}',
            'randomness.deterministic=True', f'default_hooks.checkpoint.interval={interval}',
            'default_hooks.checkpoint.by_epoch=False', 'default_hooks.logger.interval=1']


def train(config: str, args, dist: bool, killed_after: int = 0) -> str:
    """tools/train.py, or tools/dist_train.sh on 2 ranks; the log."""
    cmd = (['bash', 'tools/dist_train.sh', config, '2'] if dist
           else [sys.executable, 'tools/train.py', config]) + list(args)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **ENV, PORT='29547'))
    log = proc.stdout + proc.stderr
    if killed_after:
        assert proc.returncode != 0, 'the run should have been killed'
        assert f'Saving checkpoint at {killed_after} iterations' in log
    else:
        assert proc.returncode == 0, log[-3000:]
    return log


def final_weights(work_dir: str) -> dict:
    return torch.load(os.path.join(work_dir, 'iter_10.pth'), map_location='cpu',
                      weights_only=True)['state_dict']


def check_exact_resume(tmp_path, dist, opts, kill_at, last_checkpoint, log_lines):
    straight, killed = str(tmp_path / 'straight'), str(tmp_path / 'killed')
    train(CONFIG, ['--work-dir', straight, '--auto-resume', *opts], dist)
    train(killing_config(tmp_path, kill_at), ['--work-dir', killed, *opts], dist,
          killed_after=last_checkpoint)
    log = train(CONFIG, ['--work-dir', killed, '--resume', *opts], dist)
    for line in log_lines:
        assert line in log
    assert 'Epoch(train) [3]' not in log and 'eta: -' not in log
    a, b = final_weights(straight), final_weights(killed)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'
    return log


def test_resume_mid_epoch_is_exact_with_a_persistent_worker(tiny_avshapes, tmp_path):
    """Killed at epoch 2, batch 2 of 5: the checkpoint is that of iteration 6."""
    log = check_exact_resume(
        tmp_path, False, options(tiny_avshapes, 8, 1, interval=3), kill_at=7,
        last_checkpoint=6, log_lines=[
            'resumed epoch: 1, iter: 6',
            'Resuming epoch 2 after its first 1 of 5 batches',
            'Epoch(train) [2][2/5]'])
    assert 'Epoch(train) [2][1/5]' not in log  # the trained batch is not repeated


def test_resume_at_an_epoch_end_is_exact_on_two_gloo_ranks(tiny_avshapes, tmp_path):
    """Killed after epoch 1's last step and its checkpoint, before the epoch's end
    (the audio-mixing table, the epoch's scheduler step): the resumed run does
    those, then epoch 2."""
    check_exact_resume(
        tmp_path, True, options(tiny_avshapes, 4, 0, interval=5), kill_at=5,
        last_checkpoint=5, log_lines=[
            'resumed epoch: 0, iter: 5',
            'Resuming epoch 1 after its first 5 of 5 batches',
            'Audio mixing: 40 clips embedded', 'Epoch(train) [2][1/5]'])


def test_resume_with_nothing_to_resume_stops_and_says_so(tiny_avshapes, tmp_path):
    proc = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                           str(tmp_path / 'empty'), '--resume'], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'nothing to resume in' in proc.stderr and 'empty' in proc.stderr
    assert not os.path.exists(tmp_path / 'empty' / 'last_checkpoint')


def test_a_second_run_on_a_locked_work_dir_refuses(tiny_avshapes, tmp_path):
    work_dir = str(tmp_path / 'busy')
    lock = WorkDirLock(work_dir).acquire()  # the first run, as far as the OS knows
    try:
        proc = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                               work_dir], cwd=ROOT, capture_output=True, text=True)
    finally:
        lock.release()
    assert proc.returncode != 0
    assert 'another training run is using this work dir' in proc.stderr
    assert f'pid {os.getpid()}' in proc.stderr
    assert os.listdir(work_dir) == ['.train.lock']  # nothing written, nothing replaced


def test_fewer_clips_than_one_batch_is_one_clear_error(tiny_avshapes, tmp_path):
    proc = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                           str(tmp_path / 'w'), '--cfg-options', *data_options(tiny_avshapes),
                           'train_dataloader.batch_size=64'], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert ('train.txt: 40 clips listed, 40 found: fewer than one batch of 64 with '
            'drop_last=True') in proc.stderr
