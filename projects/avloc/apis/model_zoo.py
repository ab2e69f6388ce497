"""The model zoo: configs and checkpoints by name, read from the metafiles.

    python -m avloc.apis.model_zoo list
    python -m avloc.apis.model_zoo resolve ssltie_r18_1xb32-100e_flickr10k
    python -m avloc.apis.model_zoo hash ssltie_r18_1xb32-100e_flickr10k

Names are the ``Name`` fields of ``configs/*/metafile.yml``, which the root
``model-index.yml`` imports as OpenMMLab's ``mim`` reads them. Checkpoints are
downloaded into torch hub's cache (``torch.hub.get_dir()/checkpoints``), checked
against their sha256 and reused on later calls. Nothing here unpickles a file:
callers load the returned path with :func:`avloc.utils.load_checkpoint_file`.

A metafile entry may carry, besides the standard fields:

- ``filename``: the name in the cache, for links whose path has none (a shared
  folder).
- ``sha256``: the full hash of the file. Without it, a hash prefix in the file
  name (``name-<hex>.pth``) is checked as torch hub does; without either, only
  the loader's checks remain (for released SSL-TIE files, the converter's table of
  every key and shape).
- ``converter``: the released file is not in avloc's layout; ``ssltie`` means
  ``tools/model_converters/ssltie_to_avloc.py``'s ``convert()`` must run on it.
"""
import argparse
import difflib
import functools
import hashlib
import os
import os.path as osp
import re
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from urllib.error import URLError
from urllib.parse import urlparse

import torch
import yaml

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
# torch hub's rule (`-<hex>.`), but with 8 hex digits at least: names such as
# `..._1xb16-1e.pth` would otherwise read as the hash prefix `1e`.
HASH_PREFIX = re.compile(r'-([a-f0-9]{8,})\.')
# Sharing pages that never serve the file itself: fail before any network access.
NON_DIRECT = ('drive.google.com/drive/folders/', 'pan.baidu.com/')


class UnknownModelError(ValueError):
    """No zoo entry has this name; the message lists the close ones."""


class ChecksumError(RuntimeError):
    """A downloaded or cached file does not have the expected sha256."""


class NonDirectLinkError(RuntimeError):
    """The link serves a web page, not the file; the message says where to put
    a file downloaded by hand."""


@dataclass(frozen=True)
class ZooModel:
    """One metafile entry.

    Args:
        name: The entry's ``Name``.
        config: Absolute path of its config.
        weights: The ``Weights`` URL, or None when nothing is downloadable (e.g. the
            main job, trained by ``bash tools/main_job.sh``).
        filename: Name of the file in the cache. Defaults to the URL's basename.
        sha256: Full sha256 of the file, when known.
        converter: Set when the file is a third-party release to be converted in
            memory (``'ssltie'``); None for avloc checkpoints.
    """
    name: str
    config: str
    weights: Optional[str] = None
    filename: Optional[str] = None
    sha256: Optional[str] = None
    converter: Optional[str] = None


def zoo_root(package_dir: str = PACKAGE_DIR) -> str:
    """The folder holding ``model-index.yml`` and ``configs/``.

    A clone has them at the repository root, two levels above the package
    (``projects/avloc``); an installed package has them in ``avloc/.mim``, where
    OpenMMLab's packages ship them.
    """
    candidates = [osp.dirname(osp.dirname(package_dir)), osp.join(package_dir, '.mim')]
    for root in candidates:
        if osp.isfile(osp.join(root, 'model-index.yml')):
            return root
    raise FileNotFoundError(f'no model-index.yml in {" or ".join(candidates)}: '
                            'reinstall avloc, or use a clone of the repository')


@functools.lru_cache(maxsize=None)
def models(root: Optional[str] = None) -> Dict[str, ZooModel]:
    """Every entry of the metafiles that ``model-index.yml`` imports, by name."""
    root = root or zoo_root()
    with open(osp.join(root, 'model-index.yml')) as f:
        metafiles = yaml.safe_load(f)['Import']
    entries = {}
    for metafile in metafiles:
        with open(osp.join(root, metafile)) as f:
            for model in yaml.safe_load(f)['Models']:
                entries[model['Name']] = ZooModel(
                    name=model['Name'], config=osp.join(root, model['Config']),
                    weights=model.get('Weights'), filename=model.get('filename'),
                    sha256=model.get('sha256'), converter=model.get('converter'))
    return entries


def list_models() -> List[str]:
    """Sorted names of every zoo entry."""
    return sorted(models())


def get_model(name: str) -> ZooModel:
    """The entry called ``name``.

    Raises:
        UnknownModelError: with the closest names, when there is no such entry.
    """
    entries = models()
    if name in entries:
        return entries[name]
    close = difflib.get_close_matches(name, entries, n=5, cutoff=0.5)
    hint = f'did you mean {", ".join(close)}?' if close else \
        'see `python -m avloc.apis.model_zoo list`'
    raise UnknownModelError(f'no model {name!r} in the zoo; {hint}')


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


def resolve(name: str, sha256: Optional[str] = None, progress: bool = True
            ) -> Tuple[str, Optional[str]]:
    """The config and local checkpoint of a zoo entry, downloading if needed.

    Args:
        name: A name from :func:`list_models`.
        sha256: Expected sha256, overriding the metafile's. Defaults to None.
        progress: Show a progress bar while downloading. Defaults to True.

    Returns:
        ``(config_path, checkpoint_path)``; the checkpoint is None for entries
        without weights. When ``get_model(name).converter`` is set, the file is
        the authors' release and needs that conversion before loading.
    """
    model = get_model(name)
    if model.weights is None:
        return model.config, None
    return model.config, download(model.weights, sha256 or model.sha256,
                                  model.filename, progress)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('list', help='print every name')
    fetch = commands.add_parser('resolve', help='download if needed; print config '
                                'and checkpoint')
    fetch.add_argument('name')
    fetch.add_argument('--sha256', help='expected sha256, overriding the metafile')
    record = commands.add_parser('hash', help="print the cached file's sha256, to "
                                 'record in the metafile')
    record.add_argument('name')
    args = parser.parse_args(argv)
    try:
        if args.command == 'list':
            print('\n'.join(list_models()))
        elif args.command == 'resolve':
            config, checkpoint = resolve(args.name, args.sha256)
            note = f' (converted by {get_model(args.name).converter} when loaded)' \
                if get_model(args.name).converter else ''
            print(f'config: {config}\ncheckpoint: {checkpoint}{note}')
        else:
            model = get_model(args.name)
            if model.weights is None:
                sys.exit(f'error: {args.name} has no weights to hash')
            path = cache_path(model.weights, model.filename)
            if not osp.isfile(path):
                sys.exit(f'error: {path} is not there yet: run `resolve {args.name}` '
                         'or put the file there by hand')
            print(f'sha256: {file_sha256(path)}  # {path}')
    except (UnknownModelError, ChecksumError, NonDirectLinkError, URLError) as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()
