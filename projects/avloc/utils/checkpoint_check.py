"""What a checkpoint file must be before torch reads it.

``torch.load(weights_only=True)`` refuses pickled code but trusts the file's
layout. A tensor record shorter than its storage declares loads with whatever
memory follows it (the converter then writes that memory into its output), and a
huge declared size gives a tensor whose use crashes; a compressed record expands
to whatever it declares (3 GiB of zeros fit in 3 MB); allowed constructors
allocate sizes the file chooses (``torch.Tensor(n)``, ``bytearray(n)``); and a
pickle that puts one dict twice in another at every level is small on disk but
exponential for any walk that copies it (the message-hub rebuild on resume is one).

:func:`check_checkpoint` reads the zip's directory and walks the pickle with
stand-ins (nothing is imported or called) and refuses such files before torch
allocates anything:

- every record stored uncompressed, as ``torch.save`` writes them, no two under one
  name, their sizes adding up to no more than the file's;
- every storage the pickle names has its record, holding exactly its declared
  ``numel x element size`` bytes (torch itself refuses a tensor view that reaches
  past its storage);
- only dense tensors, and no call that allocates a size of the file's choosing or
  costs more than linear time;
- objects nested at most ``MAX_DEPTH`` deep, without cycles, and a walk that copies
  every shared object afresh visits at most ``max(MIN_WALK, WALK_PER_BYTE x the
  pickle's size)`` of them.

Files in torch's legacy format (before 1.6) are refused: torch 2.9 loads them
under ``weights_only`` but allocates each storage as declared before reading it.
"""
import io
import pickle
import reprlib
import zipfile
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from itertools import chain
from typing import IO, Any, Dict, Iterable, List, Optional, Tuple

import torch

from .download import describe_content

MAX_DEPTH = 100  # containers in containers; a checkpoint needs about 10
MIN_WALK = 1_000_000  # objects a copying walk may visit whatever the file's size
WALK_PER_BYTE = 16  # ... and per byte of pickle beyond that
MAX_GLOBALS = 1000  # torch's allow-list names about 150

# Tensors avloc never saves and whose contents torch does not check against their
# storage (or allocates before checking): refused, whatever torch would allow.
NOT_DENSE = {
    'torch._utils._rebuild_qtensor': 'a quantized tensor',
    'torch._utils._rebuild_sparse_tensor': 'a sparse tensor',
    'torch._utils._rebuild_nested_tensor': 'a nested tensor',
    'torch._utils._rebuild_wrapper_subclass': 'a tensor subclass without storage',
    'torch._utils._rebuild_device_tensor_from_numpy': 'a tensor made from an array',
    'torch._utils._rebuild_device_tensor_from_cpu_tensor': 'a tensor converted on load',
}
# The legacy format starts with a pickled magic number (torch/serialization.py).
LEGACY_MAGIC = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)[2:-1]


class MalformedCheckpointError(ValueError):
    """A file that is not a checkpoint as ``torch.save`` writes it, or whose records
    or pickle would make loading read past its data, allocate far more than its size
    or take time exponential in it. Nothing from the file has been loaded."""


class _Stub:
    """Stands for a global the pickle names: records how it is called and filled
    and runs nothing. :meth:`_Walker.find_class` makes one subclass per name."""

    qualname = '?'
    calls: List['_Stub'] = []  # the walker's list, set on each subclass

    def __new__(cls, *args, **kwargs):  # REDUCE calls cls(*args), NEWOBJ cls.__new__
        stub = object.__new__(cls)
        stub.args, stub.kwargs, stub.state, stub.items = args, kwargs, None, []
        cls.calls.append(stub)
        return stub

    def __init__(self, *args, **kwargs) -> None:
        pass  # __new__ recorded everything

    def __call__(self, *args, **kwargs) -> '_Stub':  # a call of a call's result
        return type(self).__new__(type(self), *args, **kwargs)

    def __setstate__(self, state: Any) -> None:  # BUILD
        self.state = state

    def __setitem__(self, key: Any, value: Any) -> None:  # SETITEM(S), e.g. OrderedDict
        self.items += [key, value]

    def append(self, item: Any) -> None:  # APPEND
        self.items.append(item)

    def extend(self, items: Iterable) -> None:  # APPENDS
        self.items.extend(items)


class _Walker(pickle.Unpickler):
    """Unpickles with :class:`_Stub` subclasses for every global and records every
    persistent id (the storages); never imports or calls anything."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(io.BytesIO(data))
        self.name = name
        self.classes: Dict[str, type] = {}
        self.calls: List[_Stub] = []
        self.storages: List[Any] = []

    def find_class(self, module: str, name: str) -> type:
        # Python 2 names, mapped as torch's unpickler maps them (`__builtin__` is
        # `builtins`): the rules below must see the global torch would use.
        if (module, name) in NAME_MAPPING:
            module, name = NAME_MAPPING[(module, name)]
        elif module in IMPORT_MAPPING:
            module = IMPORT_MAPPING[module]
        qualname = f'{module}.{name}'
        if qualname not in self.classes:
            if len(self.classes) == MAX_GLOBALS:  # each stand-in class costs ~1 KB
                raise MalformedCheckpointError(
                    f'{self.name}: its pickle names more than {MAX_GLOBALS} globals; '
                    'torch loads far fewer')
            self.classes[qualname] = type('Stub', (_Stub,),
                                          {'qualname': qualname, 'calls': self.calls})
        return self.classes[qualname]

    def persistent_load(self, pid: Any) -> '_StorageRef':
        self.storages.append(pid)
        return _StorageRef()


class _StorageRef:
    """A storage in the walked pickle: a leaf."""


def _refused_call(callee: str, args: tuple, kwargs: dict) -> Optional[str]:
    """Why torch must not make this call, or None."""
    if callee in NOT_DENSE:
        return f'holds {NOT_DENSE[callee]} ({callee}); avloc loads dense tensors only'
    module, _, name = callee.rpartition('.')
    if module.split('.')[0] == 'torch' and name.endswith(('Tensor', 'Storage')):
        return (f'calls {callee}(...), which allocates as much as the file asks; '
                'torch.save writes tensors through their records')
    if callee == 'builtins.bytearray':
        source = args[0] if args else kwargs.get('source')
        if isinstance(source, int):
            return f'calls bytearray({source}), which allocates as much as the file asks'
    if callee == '_codecs.encode':  # pickle writes bytes as encode(str, 'latin1')
        encoding = args[1] if len(args) > 1 else kwargs.get('encoding', 'utf-8')
        if encoding not in ('latin1', 'utf-8'):  # e.g. punycode is quadratic
            return f'encodes text with {encoding!r}; pickle only ever uses latin1'
    if callee == 'torch._tensor._rebuild_from_type_v2' and len(args) >= 3:
        func, func_args = args[0], args[2]  # it calls func(*func_args)
        if isinstance(func, type) and issubclass(func, _Stub) and isinstance(func_args,
                                                                             tuple):
            return _refused_call(func.qualname, func_args, {})
    return None


def _children(obj: Any) -> Iterable:
    if isinstance(obj, dict):
        return chain.from_iterable(obj.items())
    if isinstance(obj, _Stub):
        return chain(obj.args, obj.kwargs.values(), (obj.state,), obj.items)
    return iter(obj)  # a list, tuple, set or frozenset


def _check_shape(root: Any, limit: int, name: str) -> None:
    """Refuse a graph deeper than MAX_DEPTH, with a cycle, or whose expansion into a
    tree (what a recursive copy builds) has more than ``limit`` nodes. Iterative and
    linear in the graph's size: each object's tree size is computed once."""
    containers = (dict, list, tuple, set, frozenset, _Stub)
    if not isinstance(root, containers):
        return
    done: Dict[int, int] = {}  # id -> size of the object's tree
    stack: List[Tuple[Any, Iterable, List[int]]] = [(root, _children(root), [1])]
    active = {id(root)}  # the objects on the current path
    while stack:
        obj, children, size = stack[-1]
        for child in children:
            if not isinstance(child, containers):
                size[0] += 1
            elif id(child) in done:
                size[0] += done[id(child)]
            elif id(child) in active:
                raise MalformedCheckpointError(
                    f'{name}: its pickle holds an object that contains itself')
            elif len(stack) == MAX_DEPTH:
                raise MalformedCheckpointError(
                    f'{name}: its pickle nests objects more than {MAX_DEPTH} deep')
            else:
                active.add(id(child))
                stack.append((child, _children(child), [1]))
                break
        else:
            stack.pop()
            if size[0] > limit:  # checked as each object completes, the root last
                raise MalformedCheckpointError(
                    f'{name}: its pickle shares objects so that a copy of it would hold '
                    f'more than {limit} objects; a checkpoint is a tree of values')
            active.discard(id(obj))
            done[id(obj)] = size[0]
            if stack:
                stack[-1][2][0] += size[0]


def _storage_dtype(stub: Any) -> Optional[torch.dtype]:
    """The element type of a storage class named in a persistent id, as torch.load
    reads it; None if torch would not know it."""
    if not (isinstance(stub, type) and issubclass(stub, _Stub)):
        return None
    qualname = stub.qualname
    if qualname == 'torch.storage.UntypedStorage':
        return torch.uint8
    module, _, name = qualname.rpartition('.')
    if module != 'torch' or not name.endswith('Storage'):
        return None
    try:
        return torch.serialization.StorageType(name).dtype
    except (KeyError, AttributeError):
        return None


def _declared_storages(pids: List[Any], name: str) -> Dict[str, Tuple[int, torch.dtype]]:
    """key -> (numel, dtype) of every storage the pickle names, as torch.load's
    ``persistent_load`` reads the ids ``('storage', type, key, location, numel)``."""
    storages: Dict[str, Tuple[int, torch.dtype]] = {}
    for pid in pids:
        valid = isinstance(pid, tuple) and len(pid) == 5 and pid[0] == 'storage'
        dtype = _storage_dtype(pid[1]) if valid else None
        if not (dtype is not None and isinstance(pid[2], str) and isinstance(pid[4], int)
                and pid[4] >= 0):
            raise MalformedCheckpointError(
                f'{name}: not a torch checkpoint: its pickle names a storage as '
                f'{reprlib.repr(pid)}')
        key, numel = pid[2], pid[4]
        if storages.setdefault(key, (numel, dtype)) != (numel, dtype):
            raise MalformedCheckpointError(
                f'{name}: its pickle declares storage {key!r} twice, differently')
    return storages


def _check_directory(f: IO[bytes], infos: List[zipfile.ZipInfo], name: str) -> None:
    """Refuse a zip whose central directory is not where its end record says, or
    that lists another number of entries: zipfile then reads records at offsets of
    its own (it allows for data prepended to the archive) and torch's reader at
    others, so what this module checks would not be what torch loads."""
    end = zipfile._EndRecData(f)  # private, but in every Python 3; zipfile's own reading
    if end is None:
        raise zipfile.BadZipFile('no end of central directory')
    prepended = end[zipfile._ECD_LOCATION] - end[zipfile._ECD_SIZE] - end[zipfile._ECD_OFFSET]
    if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        prepended -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    if prepended or len(infos) != end[zipfile._ECD_ENTRIES_TOTAL]:
        raise MalformedCheckpointError(
            f'{name}: its zip directory does not match its layout ({prepended} bytes '
            f'before the archive, {len(infos)} entries of '
            f'{end[zipfile._ECD_ENTRIES_TOTAL]} declared); zip readers would disagree '
            'on what it holds')


def _check_records(infos: List[zipfile.ZipInfo], file_size: int, name: str) -> None:
    seen, total = set(), 0
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            method = zipfile.compressor_names.get(info.compress_type, info.compress_type)
            raise MalformedCheckpointError(
                f"{name}: record '{info.filename}' is compressed ({method}, "
                f'{info.compress_size} bytes declared to expand to {info.file_size}); '
                'torch.save stores records uncompressed')
        if info.compress_size != info.file_size:
            raise MalformedCheckpointError(
                f"{name}: record '{info.filename}' is stored with two sizes "
                f'({info.compress_size} and {info.file_size} bytes)')
        # torch's zip reader finds records ignoring case: one name, one record
        if info.filename.lower() in seen:
            raise MalformedCheckpointError(
                f"{name}: two records are named '{info.filename}'")
        seen.add(info.filename.lower())
        total += info.file_size
    if total > file_size:  # records that overlap: one byte loaded many times
        raise MalformedCheckpointError(
            f'{name}: its records add up to {total} bytes, more than the '
            f"file's {file_size}")


def _not_zip(head: bytes) -> str:
    if head.startswith(b'\x80') and LEGACY_MAGIC in head[:32]:
        return ('written in torch\'s legacy format (torch < 1.6, or '
                '`_use_new_zipfile_serialization=False`), whose storages avloc cannot '
                'check before torch allocates them: load it with torch.load where you '
                'trust it and save it again with torch.save')
    if head[257:262] == b'ustar':
        return ("written in torch's oldest (tar) format; load it with torch.load where "
                'you trust it and save it again with torch.save')
    what = describe_content(head)
    if what:
        return f'not a checkpoint (looks like {what})'
    if head.startswith(b'\x80'):
        return 'not a torch checkpoint (a bare pickle; torch.save writes a zip archive)'
    return f'not a torch checkpoint (it starts with {head[:16]!r})'


def check_checkpoint(f: IO[bytes], name: str) -> None:
    """Refuse ``f`` unless its records and pickle pass every check listed in the
    module's docstring. Reads the zip's directory and the pickle, never a tensor.

    Args:
        f: The checkpoint, opened for binary reading; left at its start.
        name: What the errors call the file (its path).

    Raises:
        MalformedCheckpointError: with ``name``, the record or object at fault and
            what it declares.
    """
    head = f.read(512)
    file_size = f.seek(0, io.SEEK_END)
    f.seek(0)
    if not head.startswith(b'PK\x03\x04'):  # what torch.load tests, too
        raise MalformedCheckpointError(f'{name}: {_not_zip(head)}')
    try:
        with zipfile.ZipFile(f) as archive:
            infos = archive.infolist()
            _check_directory(f, infos, name)
            _check_records(infos, file_size, name)
            # torch reads records under the folder of the archive's first entry
            prefix = infos[0].filename.split('/')[0] if infos else ''
            by_name = {info.filename: info for info in infos}
            if f'{prefix}/data.pkl' not in by_name:
                raise MalformedCheckpointError(
                    f'{name}: not a torch checkpoint: a zip archive without '
                    f'{prefix or "<folder>"}/data.pkl')
            data = archive.read(f'{prefix}/data.pkl')  # stored: at most the file's size
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as err:
        raise MalformedCheckpointError(
            f'{name}: not a readable torch checkpoint ({err})') from err
    finally:
        f.seek(0)
    walker = _Walker(data, name)
    try:
        root = walker.load()
    except MalformedCheckpointError:
        raise
    except Exception as err:  # whatever a damaged pickle makes the walk raise
        raise MalformedCheckpointError(
            f'{name}: not a readable torch checkpoint (its pickle: '
            f'{type(err).__name__}: {err})') from err
    for stub in walker.calls:
        reason = _refused_call(type(stub).qualname, stub.args, stub.kwargs)
        if reason:
            raise MalformedCheckpointError(f'{name}: {reason}')
    for key, (numel, dtype) in _declared_storages(walker.storages, name).items():
        record = f'{prefix}/data/{key}'
        if record not in by_name:
            raise MalformedCheckpointError(
                f"{name}: record '{record}' is missing; its storage declares "
                f'{numel} x {str(dtype).replace("torch.", "")}')
        held, declared = by_name[record].file_size, numel * dtype.itemsize
        if held != declared:
            raise MalformedCheckpointError(
                f"{name}: record '{record}' holds {held} bytes, its storage declares "
                f'{declared} ({numel} x {str(dtype).replace("torch.", "")})')
    _check_shape(root, max(MIN_WALK, WALK_PER_BYTE * len(data)), name)
