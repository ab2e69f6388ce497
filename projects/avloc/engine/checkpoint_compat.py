"""Let mmengine 0.10.7 load its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and mmengine's
checkpoints carry its ``message_hub`` state (``HistoryBuffer`` objects holding numpy
arrays), which the restricted unpickler refuses, so ``--resume`` and ``load_from``
fail. Rather than turning pickle back on for every file, allow exactly the types
those checkpoints contain. Files that hold only tensors need none of this.

``builtins.getattr`` is among them because a pickled ``HistoryBuffer`` refers to its
statistics methods as ``getattr(HistoryBuffer, 'mean')``. Allowing it cannot run
code: torch's restricted unpickler calls only allow-listed callables, so whatever
``getattr`` returns can be stored but never invoked.
"""
import builtins

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from numpy._core.multiarray import _reconstruct, scalar


def allow_mmengine_checkpoint_types() -> None:
    """Register the non-tensor types of an mmengine checkpoint as safe to unpickle."""
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return  # torch < 2.4 loads everything anyway
    dtypes = [type(np.dtype(t)) for t in ('float64', 'float32', 'int64', 'int32', 'bool')]
    torch.serialization.add_safe_globals(
        [HistoryBuffer, builtins.getattr, scalar, _reconstruct, np.ndarray, np.dtype,
         *dtypes])
