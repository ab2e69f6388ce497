"""``tools/train.py --amp``: float16 on a GPU, bfloat16 on the CPU."""
import os

import pytest
import torch
from tool_runner import ROOT, data_options, run_tool

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')


def test_amp_without_a_gpu_trains_in_bfloat16_on_the_cpu(tiny_avshapes, tmp_path):
    """mmengine's AmpOptimWrapper refuses the CPU; --amp falls back to bfloat16
    autocast there and trains the main job."""
    log = run_tool('tools/train.py', CONFIG, '--amp', '--work-dir', str(tmp_path),
                   '--cfg-options', *data_options(tiny_avshapes),
                   'train_dataloader.batch_size=8', env=dict(CUDA_VISIBLE_DEVICES=''))
    assert 'bfloat16 autocast on the CPU (CPUAutocastOptimWrapper)' in log
    assert "type='CPUAutocastOptimWrapper'" in log  # the config the runner printed
    assert 'loss_equiv' in log  # a NaN would have stopped the run (NonFiniteCheckHook)
    assert os.path.isfile(os.path.join(tmp_path, 'epoch_1.pth'))


def test_the_cpu_wrapper_runs_the_forward_pass_in_bfloat16():
    from avloc.engine import CPUAutocastOptimWrapper
    layer = torch.nn.Linear(4, 4)
    wrapper = CPUAutocastOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1))
    with wrapper.optim_context(layer):
        out = layer(torch.ones(2, 4))
    assert out.dtype == torch.bfloat16
    assert layer(torch.ones(2, 4)).dtype == torch.float32  # only inside the context


@pytest.mark.skipif(not torch.cuda.is_available(), reason='--amp needs a GPU')
def test_amp_trains_the_main_job_on_a_gpu(tiny_avshapes, tmp_path):
    log = run_tool('tools/train.py', CONFIG, '--amp', '--work-dir', str(tmp_path),
                   '--cfg-options', *data_options(tiny_avshapes),
                   'train_dataloader.batch_size=8')
    assert 'loss_equiv' in log  # a NaN would have stopped the run (NonFiniteCheckHook)
    assert os.path.isfile(os.path.join(tmp_path, 'epoch_1.pth'))
