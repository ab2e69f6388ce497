"""Float32 islands inside mixed-precision training (``tools/train.py --amp``).

The encoders may run in float16 or bfloat16 under autocast, but the heatmaps, the
homographies, the warps and the losses must not: ``torch.linalg.inv`` refuses half
precision, pixel coordinates such as 223.5 do not exist in bfloat16 (its spacing is 1
above 128), and the contrastive losses sharpen cosines by 1 / 0.03 before a sigmoid,
so a rounding error of 1e-3 in a cosine moves a logit by 0.03. CUDA's autocast casts
matrix products to float16 even when every input is float32, so casting the inputs
alone is not enough: autocast has to be off inside.
"""
import functools
from typing import Any, Callable, TypeVar

import torch

F = TypeVar('F', bound=Callable[..., Any])
REDUCED = (torch.float16, torch.bfloat16)


def _to_float32(value: Any) -> Any:
    # float64 stays float64: only reduced precision is promoted.
    if isinstance(value, torch.Tensor) and value.dtype in REDUCED:
        return value.float()
    return value


def force_float32(fn: F) -> F:
    """Run ``fn`` with autocast off and its float16 / bfloat16 tensor arguments cast
    to float32 (positional and keyword arguments; tensors nested in containers are
    left alone).

    Autocast is switched off for the device type of the first tensor argument (CPU
    when there is none), the one the caller's autocast would act on.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
        device_type = tensors[0].device.type if tensors else 'cpu'
        with torch.autocast(device_type, enabled=False):
            return fn(*map(_to_float32, args),
                      **{k: _to_float32(v) for k, v in kwargs.items()})

    return wrapper  # type: ignore[return-value]
