"""Checkpoints crafted to make torch.load read past a record, allocate far more than
the file holds or take exponential time; built here, byte by byte, for every test.

:func:`write_checkpoint` writes a zip laid out as ``torch.save`` lays it out, from a
pickled object in which :class:`Record` stands for a storage and
:func:`rebuild_tensor` for a tensor, so that a test can declare whatever it likes.
"""
import io
import math
import pickle
import zipfile
from collections import OrderedDict
from typing import Any, Callable, Dict, Optional, Tuple

import torch
from crafted_pickles import _Call


class Record:
    """A storage in a hand-made ``data.pkl``: pickled as torch.save's persistent id
    ``('storage', storage_type, key, 'cpu', numel)``."""

    def __init__(self, key: str, numel: int, storage_type: type = torch.FloatStorage):
        self.key, self.numel, self.storage_type = key, numel, storage_type


class _Pickler(pickle.Pickler):

    def persistent_id(self, obj: Any) -> Optional[tuple]:
        if isinstance(obj, Record):
            return ('storage', obj.storage_type, obj.key, 'cpu', obj.numel)
        return None


def rebuild_tensor(record: Record, size: Tuple[int, ...],
                   stride: Optional[Tuple[int, ...]] = None, offset: int = 0) -> _Call:
    """A tensor as torch.save pickles it: ``_rebuild_tensor_v2(storage, offset, size,
    stride, requires_grad, backward_hooks)``; contiguous strides by default."""
    if stride is None:
        stride = tuple(math.prod(size[i + 1:]) for i in range(len(size)))
    return _Call(torch._utils._rebuild_tensor_v2, record, offset, tuple(size), stride,
                 False, OrderedDict())


def dumps(obj: Any) -> bytes:
    """``obj`` pickled as torch.save pickles (protocol 2), Records as storages."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def write_checkpoint(path: str, obj: Any, records: Dict[str, bytes],
                     compress: int = zipfile.ZIP_STORED, data_pkl: Optional[bytes] = None
                     ) -> str:
    """Write a torch.save-style zip: ``archive/data.pkl`` (``obj`` pickled, or the
    bytes ``data_pkl``), ``archive/data/<key>`` for each record (compressed with
    ``compress``) and the small records torch.save adds."""
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('archive/data.pkl', dumps(obj) if data_pkl is None else data_pkl)
        archive.writestr('archive/byteorder', 'little')
        for key, data in records.items():
            archive.writestr(f'archive/data/{key}', data, compress_type=compress)
        archive.writestr('archive/version', '3\n')
    return path


def four_floats() -> bytes:
    return torch.arange(4, dtype=torch.float32).numpy().tobytes()


def short_record(path: str, numel: int = 1000) -> str:
    """A (numel,) float tensor over a 16-byte record."""
    return write_checkpoint(path, {'w': rebuild_tensor(Record('0', numel), (numel,))},
                            {'0': four_floats()})


def compressed_record(path: str, nbytes: int = 16 << 20) -> str:
    """A record of ``nbytes`` zeros, deflated (3 GiB fit in 3 MB), declared
    consistently: only the compression is wrong."""
    numel = nbytes // 4
    return write_checkpoint(path, {'w': rebuild_tensor(Record('0', numel), (numel,))},
                            {'0': bytes(nbytes)}, compress=zipfile.ZIP_DEFLATED)


def shared_dicts(depth: int) -> dict:
    """d0 = {'a': d1, 'b': d1}, d1 = {'a': d2, 'b': d2}, ...: 2 ** depth leaves for
    anything that copies it, a few bytes per level in a pickle."""
    d: dict = {}
    for _ in range(depth):
        d = {'a': d, 'b': d}
    return d


def shared_message_hub(path: str, depth: int = 22) -> str:
    """A checkpoint whose plain-data message hub is :func:`shared_dicts`."""
    hub = {'log_scalars': {}, 'runtime_info': {'x': shared_dicts(depth)},
           'resumed_keys': {}}
    return write_checkpoint(path, {'state_dict': {'w': rebuild_tensor(Record('0', 4), (4,))},
                                   'message_hub': hub, 'meta': {}}, {'0': four_floats()})


def allocating_call(path: str, call: _Call) -> str:
    """A checkpoint whose pickle makes ``call``, e.g. ``bytearray(n)``."""
    return write_checkpoint(path, {'w': call}, {})


HOSTILE: Dict[str, Callable[[str], str]] = {
    'short record': short_record,
    'compressed record': compressed_record,
    'shared nested dicts': shared_message_hub,
    'bytearray(n)': lambda path: allocating_call(path, _Call(bytearray, 10 ** 8)),
}
