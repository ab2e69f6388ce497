"""Hash-checked downloads into torch hub's cache, shared by every loader and the
model zoo; files are only fetched here, loading is :func:`load_checkpoint_file`'s."""
import hashlib
import os
import os.path as osp
import re
from typing import Optional
from urllib.error import URLError
from urllib.parse import urlparse

import torch

# torch hub's rule (`-<hex>.`), but with 8 hex digits at least: names such as
# `..._1xb16-1e.pth` would otherwise read as the hash prefix `1e`.
HASH_PREFIX = re.compile(r'-([a-f0-9]{8,})\.')
# Sharing pages that never serve the file itself: fail before any network access.
NON_DIRECT = ('drive.google.com/drive/folders/', 'pan.baidu.com/')


class ChecksumError(RuntimeError):
    """A downloaded or cached file does not have the expected sha256."""


class NonDirectLinkError(RuntimeError):
    """The link serves a web page, not the file; the message says where to put
    a file downloaded by hand."""


def cache_dir() -> str:
    """Where checkpoints go: torch hub's cache, shared with MMEngine and torchvision."""
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def file_sha256(path: str) -> str:
    """The sha256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def check_hash(path: str, url: str, sha256: Optional[str]) -> None:
    """Check ``path`` against ``sha256``, or else the file name's hash prefix.

    Raises:
        ChecksumError: after deleting the file, so the next call downloads again.
    """
    match = HASH_PREFIX.search(osp.basename(path))
    expected = (sha256 or (match.group(1) if match else '')).lower()
    if not expected:
        return
    got = file_sha256(path)
    if not got.startswith(expected):
        os.remove(path)
        raise ChecksumError(f'{path} (from {url}) has sha256 {got}, expected '
                            f'{expected}; deleted it. Download it again, or fix the '
                            'expected hash if the file has changed upstream.')


def cache_path(url: str, filename: Optional[str] = None) -> str:
    """Where :func:`download` keeps ``url``: ``filename`` or the URL's basename."""
    return osp.join(cache_dir(), filename or osp.basename(urlparse(url).path))


def _manual_hint(url: str, dst: str) -> str:
    return (f'download the file by hand from {url} and save it as {dst}; the zoo '
            'then finds it in the cache')


def download(url: str, sha256: Optional[str] = None, filename: Optional[str] = None,
             progress: bool = True) -> str:
    """Download ``url`` into the cache once; return the local path.

    Args:
        url: Direct link to the file.
        sha256: Expected full sha256. Defaults to None: a hash prefix in the file
            name is checked if there is one (torch hub's convention).
        filename: Name in the cache. Defaults to the URL's basename.
        progress: Show a progress bar on stderr. Defaults to True.

    Returns:
        The path in ``cache_dir()``; a file already there is reused unread except
        for its hash.

    Raises:
        ChecksumError: the file does not match; it has been deleted.
        NonDirectLinkError: the link is a sharing page, or served HTML.
    """
    dst = cache_path(url, filename)
    if osp.isfile(dst):
        check_hash(dst, url, sha256)
        return dst
    if any(page in url for page in NON_DIRECT):
        raise NonDirectLinkError(f'{url} is a sharing page, not a direct link: '
                                 + _manual_hint(url, dst))
    os.makedirs(osp.dirname(dst), exist_ok=True)
    partial = dst + '.partial'  # never seen as a cache hit until it checks out
    try:
        torch.hub.download_url_to_file(url, partial, progress=progress)
    except URLError as err:
        raise URLError(f'{err.reason}; or {_manual_hint(url, dst)}') from err
    with open(partial, 'rb') as f:
        head = f.read(512).lstrip()
    if head.startswith(b'<'):  # a checkpoint starts with b'PK' (zip) or b'\x80'
        os.remove(partial)
        raise NonDirectLinkError(f'{url} served an HTML page, not a checkpoint: '
                                 + _manual_hint(url, dst))
    check_hash(partial, url, sha256)
    os.replace(partial, dst)
    return dst
