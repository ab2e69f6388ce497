"""Mixed precision on the CPU: bfloat16 autocast for ``tools/train.py --amp``."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from avloc.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """:class:`~mmengine.optim.OptimWrapper` whose forward passes run under
    ``torch.autocast('cpu', dtype=torch.bfloat16)``.

    MMEngine's ``AmpOptimWrapper`` needs a GPU. On a CPU with bfloat16 support
    (e.g. AVX-512 BF16) the encoders run about twice as fast; avloc keeps the
    heatmaps, warps and losses in float32 (``force_float32``). bfloat16 has
    float32's exponent range, so no loss scaling is needed.

    Args:
        **kwargs: :class:`~mmengine.optim.OptimWrapper`'s arguments.
    """

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
            yield
