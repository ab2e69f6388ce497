import os
import shutil
import subprocess
import sys

import pytest
import torch

from avloc.models.utils import gather_across_ranks

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, 'gather_negatives_script.py')


METHODS = ('ssltie', 'fnac')


@pytest.fixture(scope='module')
def steps(tmp_path_factory):
    """Every method's step in one process (gathering, which changes nothing there)
    and on 2 gloo ranks with and without gathering: two launches in all."""
    out = tmp_path_factory.mktemp('gather')
    torchrun = shutil.which('torchrun') or os.path.join(
        os.path.dirname(sys.executable), 'torchrun')
    for cmd in ([sys.executable, SCRIPT, str(out / 'single'), 'gather', ','.join(METHODS)],
                [torchrun, '--nproc_per_node=2', '--master_port=29581', SCRIPT,
                 str(out / 'ranks'), 'gather,local', ','.join(METHODS)]):
        os.makedirs(cmd[-3], exist_ok=True)
        proc = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True,
                              env=dict(os.environ, OMP_NUM_THREADS='1'))
        assert proc.returncode == 0, proc.stderr[-3000:]
    return lambda layout, method, mode: torch.load(
        str(out / layout / f'{method}_{mode}.pt'), weights_only=True)


@pytest.mark.parametrize('method', METHODS)
def test_gathered_ranks_equal_one_process_at_twice_the_batch(steps, method):
    """2 ranks x B with negatives gathered = 1 process x 2B: loss and every gradient.
    With per-rank negatives (the default, the public code's) they differ. FNAC
    gathers its visual maps, foreground and pooled features too."""
    single = steps('single', method, 'gather')
    gathered = steps('ranks', method, 'gather')
    per_rank = steps('ranks', method, 'local')
    torch.testing.assert_close(gathered['loss'], single['loss'], rtol=1e-5, atol=1e-6)
    assert single['grads'].keys() == gathered['grads'].keys()
    for name, grad in single['grads'].items():
        # atol scales with the tensor's largest gradient, for the entries near 0 of
        # large gradients (FNAC weighs its L1 terms by 100).
        atol = 1e-6 * max(1.0, float(grad.abs().max()))
        torch.testing.assert_close(gathered['grads'][name], grad, rtol=1e-4, atol=atol,
                                   msg=name)
    assert not torch.allclose(per_rank['loss'], single['loss'], rtol=1e-3)


def test_outside_a_distributed_run_nothing_is_gathered():
    emb = torch.randn(3, 4)
    gathered, offset = gather_across_ranks(emb)
    assert gathered is emb and offset == 0


@pytest.mark.parametrize('offset', [0, 2])
def test_loss_finds_the_positives_at_the_offset(offset):
    """Columns shifted by ``offset`` (this rank's block of gathered audios) give the
    loss of the block alone plus the extra negatives."""
    from avloc.models.heads import LocalizationContrastiveHead
    loss = LocalizationContrastiveHead()
    cross = torch.rand(2, 2, 3, 3) * 2 - 1  # (B, B, h, w)
    others = torch.rand(2, 2, 3, 3) * 2 - 1
    wide = torch.cat([others, cross] if offset else [cross, others], dim=1)
    logits = loss.logits(wide, offset)
    narrow = loss.logits(cross)
    torch.testing.assert_close(logits[:, 0], narrow[:, 0])  # positive
    torch.testing.assert_close(logits[:, -1], narrow[:, -1])  # hard negative
    assert logits.shape == (2, 5)
