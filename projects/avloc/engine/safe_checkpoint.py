"""MMEngine checkpoints in a form that loads without trusting their pickle.

MMEngine's message hub holds ``HistoryBuffer`` objects (numpy arrays inside) and
the meta may hold numpy scalars: loading those needs globals the restricted
unpickler refuses. avloc saves them as plain values instead
(:func:`to_plain_checkpoint`, run by the runner before each save) and rebuilds the
buffers after loading (:func:`from_plain_checkpoint`), so a resume needs no trust.
"""
from collections import OrderedDict
from typing import Any

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

_BUFFER_TAG = '__avloc_history_buffer__'


def _to_plain(value: Any) -> Any:
    if isinstance(value, HistoryBuffer):
        log, count = value.data
        return {_BUFFER_TAG: True, 'log': torch.from_numpy(np.array(log)),
                'count': torch.from_numpy(np.array(count)),
                'max_length': int(value.max_length)}
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):  # ConfigDict and other subclasses: a plain dict
        kind = OrderedDict if isinstance(value, OrderedDict) else dict
        return kind((k, _to_plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)) and not hasattr(value, '_fields'):
        return type(value)(_to_plain(v) for v in value)
    return value


def _from_plain(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_BUFFER_TAG):
            return HistoryBuffer(value['log'].numpy(), value['count'].numpy(),
                                 value['max_length'])
        return type(value)((k, _from_plain(v)) for k, v in value.items())
    return value


def to_plain_checkpoint(checkpoint: dict) -> None:
    """Replace, in place, the values of ``meta`` and ``message_hub`` that the
    restricted unpickler refuses (history buffers, numpy arrays and scalars) by
    tensors and plain Python values."""
    for key in ('meta', 'message_hub'):
        if key in checkpoint:
            checkpoint[key] = _to_plain(checkpoint[key])


def from_plain_checkpoint(checkpoint: dict) -> None:
    """Undo :func:`to_plain_checkpoint` in place: rebuild the history buffers."""
    if isinstance(checkpoint, dict) and 'message_hub' in checkpoint:
        checkpoint['message_hub'] = _from_plain(checkpoint['message_hub'])
