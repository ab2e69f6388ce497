"""The download cache, against a local HTTP server: one entry per URL, nothing kept
from a download cut short or an error page served with status 200, and files in
the cache checked as any other."""
import io
import os

import pytest
import torch

from avloc.apis import model_zoo
from avloc.utils import MalformedCheckpointError, load_checkpoint_file
from avloc.utils.download import IncompleteDownloadError, NonDirectLinkError, cache_path, download

pytestmark = pytest.mark.usefixtures('hub')  # never the real torch hub cache


def checkpoint_bytes(value: float) -> bytes:
    buffer = io.BytesIO()
    torch.save({'w': torch.full((3,), value)}, buffer)
    return buffer.getvalue()


def cached_files(hub: str) -> list:
    return sorted(os.path.relpath(os.path.join(root, name), hub)
                  for root, _, names in os.walk(hub) for name in names)


def test_two_urls_ending_in_one_name_get_their_own_entries(server, hub):
    server.files.update({'/a/ckpt.pth': checkpoint_bytes(1.), '/b/ckpt.pth': checkpoint_bytes(2.)})
    first = load_checkpoint_file(server.url('/a/ckpt.pth'))
    second = load_checkpoint_file(server.url('/b/ckpt.pth'))
    assert first['w'].tolist() == [1.] * 3 and second['w'].tolist() == [2.] * 3
    paths = [cache_path(server.url(p)) for p in ('/a/ckpt.pth', '/b/ckpt.pth')]
    assert paths[0] != paths[1] and all(p.endswith('/ckpt.pth') for p in paths)
    assert cached_files(hub) == sorted(os.path.relpath(p, hub) for p in paths)
    load_checkpoint_file(server.url('/a/ckpt.pth'))
    assert len(server.requests) == 2  # the third load read the cache


def test_names_with_a_hash_prefix_and_given_names_keep_torch_hubs_path(hub):
    """Their content is pinned by the name (torch hub, torchvision and MMEngine share
    the file), or the caller chose the name (where a file saved by hand goes)."""
    url = 'https://download.pytorch.org/models/resnet18-f37072fd.pth'
    assert cache_path(url) == os.path.join(hub, 'resnet18-f37072fd.pth')
    assert cache_path('https://x/y', 'released.pth') == os.path.join(hub, 'released.pth')


def test_zoo_entries_share_a_cache_entry_only_for_one_file():
    """Entries that name their file (the authors' shared folder) share an entry only
    when they are one download (e.g. the configs that test one release)."""
    files = {}
    for model in model_zoo.models().values():
        if model.weights:
            path = cache_path(model.weights, model.filename)
            assert files.setdefault(path, (model.weights, model.sha256)) == \
                (model.weights, model.sha256), f'{model.name}: {path} holds another file'


def test_a_download_cut_short_is_not_cached(server, hub):
    data = checkpoint_bytes(1.)
    server.files['/ckpt.pth'] = (data[:len(data) // 2], len(data))
    with pytest.raises(IncompleteDownloadError) as err:
        download(server.url('/ckpt.pth'), progress=False)
    assert f'got {len(data) // 2} of the {len(data)} bytes' in str(err.value)
    assert 'by hand' in str(err.value) and cache_path(server.url('/ckpt.pth')) in str(err.value)
    assert cached_files(hub) == [] and os.listdir(hub) == []  # nor the URL's folder
    server.files['/ckpt.pth'] = data  # the next try downloads afresh
    assert load_checkpoint_file(server.url('/ckpt.pth'))['w'].tolist() == [1.] * 3


@pytest.mark.parametrize('page,what', [
    (b'<!doctype html><title>Quota exceeded</title>', 'an HTML page'),
    (b'{"error": {"code": 403, "message": "rate limited"}}', 'JSON'),
    (b'<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>', 'an XML document'),
    (b'File not found\n', 'text'),
], ids=['html', 'json', 'xml', 'text'])
def test_an_error_page_served_with_200_is_not_cached(server, hub, page, what):
    server.files['/ckpt.pth'] = page
    with pytest.raises(NonDirectLinkError, match=f'served {what}, not a checkpoint'):
        load_checkpoint_file(server.url('/ckpt.pth'))
    assert cached_files(hub) == []


def test_a_bad_file_in_the_cache_is_refused_and_named(server, hub):
    """Put there by hand or by an older avloc: checked as any file, never fetched."""
    url = server.url('/ckpt.pth')
    os.makedirs(os.path.dirname(cache_path(url)))
    with open(cache_path(url), 'wb') as f:
        f.write(b'<html><body>Sign in to continue</body></html>')
    with pytest.raises(MalformedCheckpointError) as err:
        load_checkpoint_file(url)
    assert str(err.value) == (f'{cache_path(url)}: not a checkpoint (looks like an HTML '
                              f'page) (downloaded from {url}; delete it to download it again)')
    with open(cache_path(url), 'wb') as f:
        f.write(checkpoint_bytes(1.)[:300])  # a download cut short by an older version
    with pytest.raises(MalformedCheckpointError, match='not a readable torch checkpoint'):
        load_checkpoint_file(url)
    assert server.requests == []
