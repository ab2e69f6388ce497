"""Hash-checked downloads into torch hub's cache, shared by every loader and the
model zoo; files are only fetched here, loading is :func:`load_checkpoint_file`'s.

A download is written under a temporary name and kept only when complete (as many
bytes as its Content-Length), not a web page, and matching its hash when one is
known. Each URL has its own cache entry (:func:`cache_path`).
"""
import hashlib
import os
import os.path as osp
import re
import tempfile
from http.client import HTTPException
from typing import IO, Optional
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import torch
from tqdm import tqdm

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


class IncompleteDownloadError(URLError):
    """The connection ended before the whole file came; nothing was cached. A
    :class:`~urllib.error.URLError`, so callers that handle network errors handle it."""

    def __str__(self) -> str:
        return str(self.reason)


# What a server sends instead of the file (an error or sign-in page): refused by
# download() as not a direct link. Other formats are the loader's to name.
WEB_CONTENT = ('an HTML page', 'an XML document', 'JSON', 'text')
# (offset, first bytes, what the file is), for naming files that are no checkpoint.
SIGNATURES = (
    (4, b'ftyp', 'an MP4 video'), (0, b'\x1aE\xdf\xa3', 'a Matroska/WebM video'),
    (0, b'RIFF', 'a RIFF file (WAV or AVI)'), (0, b'\x1f\x8b', 'gzip data'),
    (0, b'\x89PNG', 'a PNG image'), (0, b'\xff\xd8\xff', 'a JPEG image'),
    (0, b'GIF8', 'a GIF image'), (0, b'%PDF', 'a PDF document'),
    (0, b'\x93NUMPY', 'a NumPy array'), (0, b'ID3', 'an MP3 file'),
    (0, b'fLaC', 'a FLAC file'), (0, b'\xfd7zXZ', 'xz data'), (0, b'BZh', 'bzip2 data'),
    (0, b'7z\xbc\xaf', 'a 7-Zip archive'), (0, b'Rar!', 'a RAR archive'),
    (0, b'\x89HDF', 'an HDF5 file'),
)


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


def describe_content(head: bytes) -> Optional[str]:
    """What the first bytes of a file say it is, when that is not a checkpoint
    (a zip or a pickle); None when they say nothing.

    Args:
        head: The file's first bytes (512 are plenty).

    Returns:
        e.g. 'an HTML page', 'JSON', 'an MP4 video', 'an empty file', or None.
    """
    if not head:
        return 'an empty file'
    for offset, magic, what in SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return what
    text = head.lstrip(b'\xef\xbb\xbf \t\r\n')  # a byte order mark, whitespace
    if text[:5].lower() == b'<?xml':
        return 'an XML document'
    if text[:1] == b'<':
        return 'an HTML page'
    if text[:1] in (b'{', b'['):
        return 'JSON'
    try:  # a checkpoint's zip or pickle header is never printable text
        decoded = head.decode('utf-8')
    except UnicodeDecodeError as err:  # text cut short mid-character is still text
        decoded = head[:err.start].decode('utf-8') if err.start > len(head) - 4 else ''
    if decoded and all(c.isprintable() or c.isspace() for c in decoded):
        return 'text'
    return None


def cache_path(url: str, filename: Optional[str] = None) -> str:
    """Where :func:`download` keeps ``url``.

    Args:
        url: The file's URL.
        filename: The name the caller gives the file (a zoo entry's ``filename``,
            for links whose path has none): kept as ``cache_dir()/filename``, where
            a file saved by hand is found. Defaults to None: the URL's basename.

    Returns:
        ``cache_dir()/<filename>``; for a basename with torch hub's hash prefix
        (``name-<hex>.pth``) ``cache_dir()/<basename>``, the file torch hub,
        torchvision and MMEngine use too (its name pins its content); for any other
        URL ``cache_dir()/<first 16 hex of the URL's sha256>/<basename>``, so that
        two URLs ending in the same name never share an entry.
    """
    if filename:
        return osp.join(cache_dir(), filename)
    name = osp.basename(urlparse(url).path) or 'download'
    if HASH_PREFIX.search(name):
        return osp.join(cache_dir(), name)
    return osp.join(cache_dir(), hashlib.sha256(url.encode()).hexdigest()[:16], name)


def _manual_hint(url: str, dst: str) -> str:
    return (f'download the file by hand from {url} and save it as {dst}; the zoo '
            'then finds it in the cache')


def _fetch(url: str, out: IO[bytes], progress: bool, dst: str) -> None:
    """Write ``url``'s body into ``out``, with a progress bar on stderr.

    Raises:
        URLError: no response (with the hint to download by hand).
        IncompleteDownloadError: fewer bytes than the Content-Length, or the
            connection broke while reading (urllib reports neither itself).
    """
    try:
        response = urlopen(Request(url, headers={'User-Agent': 'avloc'}), timeout=60)
    except URLError as err:
        raise URLError(f'{err.reason}; or {_manual_hint(url, dst)}') from err
    with response:
        length = response.headers.get('Content-Length', '')
        expected = int(length) if length.isdigit() else None
        got = 0
        try:
            with tqdm(total=expected, unit='B', unit_scale=True, unit_divisor=1024,
                      disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 20), b''):
                    out.write(block)
                    got += len(block)
                    bar.update(len(block))
        except (HTTPException, OSError) as err:  # reset, timeout, a broken chunk
            raise IncompleteDownloadError(
                f'{url}: the connection broke after {got} bytes ({err}); try again, '
                f'or {_manual_hint(url, dst)}') from err
    if expected is not None and got != expected:
        raise IncompleteDownloadError(
            f'{url}: got {got} of the {expected} bytes its Content-Length announced; '
            f'nothing was cached. Try again, or {_manual_hint(url, dst)}')


def download(url: str, sha256: Optional[str] = None, filename: Optional[str] = None,
             progress: bool = True) -> str:
    """Download ``url`` into the cache once; return the local path.

    Args:
        url: Direct link to the file.
        sha256: Expected full sha256. Defaults to None: a hash prefix in the file
            name is checked if there is one (torch hub's convention).
        filename: Name in the cache (see :func:`cache_path`). Defaults to None.
        progress: Show a progress bar on stderr. Defaults to True.

    Returns:
        The path in ``cache_dir()``; a file already there is reused unread except
        for its hash (the loader checks its records).

    Raises:
        ChecksumError: the file does not match; it has been deleted.
        NonDirectLinkError: the link is a sharing page, or served a web page.
        IncompleteDownloadError: the download was cut short; nothing was cached.
        URLError: the server could not be reached or answered with an error.
    """
    dst = cache_path(url, filename)
    if osp.isfile(dst):
        check_hash(dst, url, sha256)
        return dst
    if any(page in url for page in NON_DIRECT):
        raise NonDirectLinkError(f'{url} is a sharing page, not a direct link: '
                                 + _manual_hint(url, dst))
    folder = osp.dirname(dst)
    own_folder = folder != cache_dir() and not osp.isdir(folder)  # the URL's own
    os.makedirs(folder, exist_ok=True)
    # A name of its own per download: never seen as a cache hit, and two processes
    # fetching the same file do not write into one another's.
    fd, partial = tempfile.mkstemp(prefix=osp.basename(dst) + '.', suffix='.partial',
                                   dir=folder)
    try:
        with os.fdopen(fd, 'wb') as out:
            _fetch(url, out, progress, dst)
        with open(partial, 'rb') as f:
            what = describe_content(f.read(512))
        if what in WEB_CONTENT:
            raise NonDirectLinkError(f'{url} served {what}, not a checkpoint: '
                                     + _manual_hint(url, dst))
        check_hash(partial, url, sha256)
        os.replace(partial, dst)
    finally:
        if osp.exists(partial):
            os.remove(partial)
        if own_folder and not osp.exists(dst):
            try:
                os.rmdir(folder)  # only if empty: another process may be writing
            except OSError:
                pass
    return dst
