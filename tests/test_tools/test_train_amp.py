"""``tools/train.py --amp``: mixed precision on a GPU, a clear refusal without one."""
import os
import subprocess
import sys

import pytest
import torch
from tool_runner import ROOT, data_options, run_tool

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')


def test_amp_without_a_gpu_says_so_before_anything_starts(tiny_avshapes, tmp_path):
    """Before, mmengine's AmpOptimWrapper failed an assertion once the runner had
    built everything and written its log."""
    work_dir = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', CONFIG, '--amp', '--work-dir', str(work_dir),
         '--cfg-options', *data_options(tiny_avshapes)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, CUDA_VISIBLE_DEVICES=''))
    assert proc.returncode != 0
    assert '--amp: mixed precision needs a CUDA (or NPU, MLU, MUSA) device' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not any(files for _, _, files in os.walk(work_dir))


@pytest.mark.skipif(not torch.cuda.is_available(), reason='--amp needs a GPU')
def test_amp_trains_the_main_job_on_a_gpu(tiny_avshapes, tmp_path):
    log = run_tool('tools/train.py', CONFIG, '--amp', '--work-dir', str(tmp_path),
                   '--cfg-options', *data_options(tiny_avshapes),
                   'train_dataloader.batch_size=8')
    assert 'loss_equiv' in log  # a NaN would have stopped the run (NonFiniteCheckHook)
    assert os.path.isfile(os.path.join(tmp_path, 'epoch_1.pth'))
