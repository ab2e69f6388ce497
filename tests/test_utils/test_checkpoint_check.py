"""Checkpoints whose records, pickle or format would make torch.load read past its
data, allocate far beyond the file's size or take exponential time: refused by
load_checkpoint_file before torch reads them, with the file and the record named."""
import codecs
import gzip
import io
import pickle
import time
import zipfile

import pytest
import torch
from crafted_checkpoints import (Record, allocating_call, compressed_record, four_floats,
                                 rebuild_tensor, shared_dicts, shared_message_hub, short_record,
                                 write_checkpoint)
from crafted_pickles import _Call

from avloc.utils import MalformedCheckpointError, load_checkpoint_file
from avloc.utils.checkpoint_check import MAX_DEPTH


def test_a_consistent_hand_made_checkpoint_loads(tmp_path):
    """The builder's control: what the other tests break is all that is wrong."""
    path = write_checkpoint(str(tmp_path / 'ckpt.pth'),
                            {'w': rebuild_tensor(Record('0', 4), (2, 2))},
                            {'0': four_floats()})
    assert torch.equal(load_checkpoint_file(path)['w'], torch.arange(4.).reshape(2, 2))


@pytest.mark.parametrize('numel', [1000, 10 ** 11])
def test_a_record_shorter_than_its_storage_is_refused(tmp_path, numel):
    """Loaded, 996 floats of heap memory (or, at 1e11, a tensor whose use crashes)."""
    path = short_record(str(tmp_path / 'ckpt.pth'), numel)
    with pytest.raises(MalformedCheckpointError) as err:
        load_checkpoint_file(path)
    assert str(err.value) == (f"{path}: record 'archive/data/0' holds 16 bytes, its "
                              f'storage declares {numel * 4} ({numel} x float32)')


def test_a_record_longer_than_its_storage_or_missing_is_refused(tmp_path):
    path = write_checkpoint(str(tmp_path / 'long.pth'),
                            {'w': rebuild_tensor(Record('0', 2, torch.DoubleStorage), (2,))},
                            {'0': four_floats() + b'\0' * 4})
    with pytest.raises(MalformedCheckpointError,
                       match=r"holds 20 bytes, its storage declares 16 \(2 x float64\)"):
        load_checkpoint_file(path)
    path = write_checkpoint(str(tmp_path / 'none.pth'),
                            {'w': rebuild_tensor(Record('7', 4), (4,))}, {})
    with pytest.raises(MalformedCheckpointError,
                       match=r"none.pth: record 'archive/data/7' is missing"):
        load_checkpoint_file(path)


def test_one_storage_declared_twice_differently_is_refused(tmp_path):
    path = write_checkpoint(str(tmp_path / 'twice.pth'),
                            {'a': rebuild_tensor(Record('0', 4), (4,)),
                             'b': rebuild_tensor(Record('0', 1000), (1000,))},
                            {'0': four_floats()})
    with pytest.raises(MalformedCheckpointError, match="storage '0' twice"):
        load_checkpoint_file(path)


def test_a_compressed_record_is_refused_before_it_expands(tmp_path):
    """torch.save stores records; a deflated one loads (3 GiB of zeros from a 3 MB
    file cost 3.8 GB of memory), so any compressed record is refused unread."""
    path = compressed_record(str(tmp_path / 'zeros.pth'))
    with pytest.raises(MalformedCheckpointError,
                       match=r"zeros.pth: record 'archive/data/0' is compressed \(deflate"):
        load_checkpoint_file(path)


def _central_entry(data: bytes, name: bytes) -> int:
    """Offset of ``name``'s entry in the zip's central directory."""
    offset = data.index(b'PK\x01\x02')
    while data[offset + 46:offset + 46 + len(name)] != name:
        offset = data.index(b'PK\x01\x02', offset + 1)
    return offset


def test_records_that_overlap_are_refused(tmp_path):
    """A directory entry pointing at another record's bytes: a file of N bytes
    would load N bytes per entry."""
    path = str(tmp_path / 'overlap.pth')
    write_checkpoint(path, {'a': rebuild_tensor(Record('0', 1000), (1000,)),
                            'b': rebuild_tensor(Record('1', 1000), (1000,))},
                     {'0': bytes(4000), '1': bytes(4)})
    data = bytearray(open(path, 'rb').read())
    first = _central_entry(data, b'archive/data/0')
    second = _central_entry(data, b'archive/data/1')
    for start, end in ((16, 28), (42, 46)):  # crc and sizes; local header offset
        data[second + start:second + end] = data[first + start:first + end]
    open(path, 'wb').write(bytes(data))
    with pytest.raises(MalformedCheckpointError, match=r"overlap.pth: its records add up "
                       r"to \d+ bytes, more than the file's \d+"):
        load_checkpoint_file(path)


def test_two_records_under_one_name_are_refused(tmp_path):
    """zipfile reads the last, torch's reader (which ignores case) maybe the first."""
    path = str(tmp_path / 'dup.pth')
    write_checkpoint(path, {'w': rebuild_tensor(Record('0', 4), (4,))},
                     {'0': four_floats()})
    with zipfile.ZipFile(path, 'a') as archive:
        archive.writestr('ARCHIVE/data/0', bytes(16))
    with pytest.raises(MalformedCheckpointError, match="two records are named "
                       "'ARCHIVE/data/0'"):
        load_checkpoint_file(path)


def test_data_before_the_archive_is_refused(tmp_path):
    """zipfile allows for bytes prepended to a zip, torch's reader does not: each
    would read its records at other offsets."""
    buffer = io.BytesIO()
    torch.save({'w': torch.ones(2)}, buffer)
    path = tmp_path / 'prepended.pth'
    path.write_bytes(b'PK\x03\x04' + bytes(60) + buffer.getvalue())
    with pytest.raises(MalformedCheckpointError, match='64 bytes before the archive'):
        load_checkpoint_file(str(path))


@pytest.mark.parametrize('call,expected', [
    (_Call(bytearray, 10 ** 8), r'calls bytearray\(100000000\)'),
    (_Call(torch.Tensor, 10 ** 8), r'calls torch.Tensor\(...\)'),
    (_Call(torch.FloatTensor, 10 ** 8), r'calls torch.FloatTensor\(...\)'),
    (_Call(torch.UntypedStorage, 10 ** 8), r'calls torch.storage.UntypedStorage\(...\)'),
    (_Call(torch._tensor._rebuild_from_type_v2, torch.Tensor, torch.Tensor, (10 ** 8,), {}),
     r'calls torch.Tensor\(...\)'),  # the call made inside another
    (_Call(codecs.encode, 'ü' * 10, 'punycode'), "encodes text with 'punycode'"),
], ids=['bytearray', 'Tensor', 'FloatTensor', 'UntypedStorage', 'nested call', 'punycode'])
def test_calls_that_allocate_what_the_file_asks_are_refused(tmp_path, call, expected):
    """torch allows these globals: bytearray(3e9) from a 1 KB file fills 3 GB,
    torch.Tensor(n) returns uninitialised memory, punycode takes 14 s for 10,000
    characters."""
    path = allocating_call(str(tmp_path / 'alloc.pth'), call)
    with pytest.raises(MalformedCheckpointError, match='alloc.pth: ' + expected):
        load_checkpoint_file(path)


def test_tensors_that_are_not_dense_are_refused(tmp_path):
    path = str(tmp_path / 'sparse.pth')
    torch.save({'w': torch.eye(3).to_sparse()}, path)
    with pytest.raises(MalformedCheckpointError, match='sparse.pth: holds a sparse tensor'):
        load_checkpoint_file(path)


@pytest.mark.parametrize('size,stride,offset', [((1000,), (1,), 0), ((4,), (1,), 1),
                                                ((2, 2), (3, 1), 0)])
def test_a_view_past_its_storage_is_refused_by_torch(tmp_path, size, stride, offset):
    """torch checks a dense view against its storage when it builds the tensor."""
    path = write_checkpoint(str(tmp_path / 'view.pth'),
                            {'w': rebuild_tensor(Record('0', 4), size, stride, offset)},
                            {'0': four_floats()})
    with pytest.raises(MalformedCheckpointError,
                       match='view.pth: not a readable torch checkpoint'):
        load_checkpoint_file(path)


def test_shared_nested_dicts_are_refused_in_linear_time(tmp_path):
    """Depth 22 took 22 s and 1.7 GB to rebuild on resume (each level doubles what a
    copy holds); the check walks each object once."""
    path = shared_message_hub(str(tmp_path / 'hub.pth'), depth=60)
    start = time.perf_counter()
    with pytest.raises(MalformedCheckpointError, match='hub.pth: its pickle shares objects'):
        load_checkpoint_file(path)
    assert time.perf_counter() - start < 5


def test_moderate_sharing_and_nesting_load(tmp_path):
    """A list kept under two keys and a few shared levels are fine; only what
    expands beyond the bound is refused."""
    shared = list(range(1000))
    nested: list = []
    for _ in range(MAX_DEPTH - 5):
        nested = [nested]
    path = str(tmp_path / 'ok.pth')
    torch.save({'a': shared, 'b': shared, 'c': shared_dicts(10), 'd': nested}, path)
    loaded = load_checkpoint_file(path)
    assert loaded['a'] == loaded['b'] == shared


def test_deep_nesting_and_cycles_are_refused(tmp_path):
    nested: list = []
    for _ in range(MAX_DEPTH + 1):
        nested = [nested]
    torch.save({'d': nested}, tmp_path / 'deep.pth')
    with pytest.raises(MalformedCheckpointError, match=f'more than {MAX_DEPTH} deep'):
        load_checkpoint_file(str(tmp_path / 'deep.pth'))
    cycle: list = []
    cycle.append(cycle)
    torch.save({'c': cycle}, tmp_path / 'cycle.pth')
    with pytest.raises(MalformedCheckpointError, match='cycle.pth: .*contains itself'):
        load_checkpoint_file(str(tmp_path / 'cycle.pth'))


def test_the_legacy_format_is_refused(tmp_path):
    """torch 2.9 loads it under weights_only, allocating each storage as declared."""
    path = str(tmp_path / 'old.pth')
    torch.save({'w': torch.ones(4)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(MalformedCheckpointError, match="old.pth: written in torch's legacy "
                       'format .* save it again with torch.save'):
        load_checkpoint_file(path)


def _zip_without_pickle() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('weights/readme.txt', 'hello')
    return buffer.getvalue()


@pytest.mark.parametrize('content,what', [
    (b'\n<!DOCTYPE html><html><body>Sign in</body></html>', 'an HTML page'),
    (b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>', 'an XML document'),
    (b'{"error": "not found"}', 'JSON'),
    (b'\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom', 'an MP4 video'),
    (gzip.compress(b'weights'), 'gzip data'),
    (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR', 'a PNG image'),
    (b'\xff\xd8\xff\xe0\x00\x10JFIF', 'a JPEG image'),
    ('version https://git-lfs.github.com/spec/v1\noid sha256:ab\n'.encode(), 'text'),
    (b'', 'an empty file'),
], ids=['html', 'xml', 'json', 'mp4', 'gzip', 'png', 'jpeg', 'text', 'empty'])
def test_files_that_are_not_checkpoints_say_what_they_look_like(tmp_path, content, what):
    path = tmp_path / 'model.pth'
    path.write_bytes(content)
    with pytest.raises(MalformedCheckpointError) as err:
        load_checkpoint_file(str(path))
    assert str(err.value) == f'{path}: not a checkpoint (looks like {what})'


def test_other_files_are_named_too(tmp_path):
    path = tmp_path / 'model.pth'
    path.write_bytes(_zip_without_pickle())
    with pytest.raises(MalformedCheckpointError, match='a zip archive without weights/data.pkl'):
        load_checkpoint_file(str(path))
    path.write_bytes(pickle.dumps({'w': [1.0]}))
    with pytest.raises(MalformedCheckpointError, match='a bare pickle'):
        load_checkpoint_file(str(path))
    path.write_bytes(b'\x01\x02binary')
    with pytest.raises(MalformedCheckpointError, match=r"not a torch checkpoint \(it starts "):
        load_checkpoint_file(str(path))
