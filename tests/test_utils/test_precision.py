import torch

from avloc.utils import force_float32


@force_float32
def probe(x, y=None, *, z=None):
    return x.dtype, y.dtype, z.dtype, torch.is_autocast_enabled('cpu'), (x @ x).dtype


def test_reduced_precision_becomes_float32_and_autocast_is_off():
    half, bf16 = torch.ones(2, 2).half(), torch.ones(2, 2).bfloat16()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert probe(half, bf16, z=bf16) == (torch.float32, torch.float32, torch.float32,
                                             False, torch.float32)


def test_float64_and_float32_are_left_alone():
    x64, x32 = torch.ones(2, 2, dtype=torch.float64), torch.ones(2, 2)
    assert probe(x64, x32, z=x64)[:3] == (torch.float64, torch.float32, torch.float64)
