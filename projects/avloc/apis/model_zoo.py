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
import os.path as osp
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from urllib.error import URLError

import yaml

from avloc.utils.download import (ChecksumError, NonDirectLinkError, cache_dir, cache_path,
                                  check_hash, download, file_sha256)

# The downloader's names stay part of the zoo's API.
__all__ = ['ChecksumError', 'NonDirectLinkError', 'UnknownModelError', 'ZooModel', 'cache_dir',
           'cache_path', 'check_hash', 'download', 'file_sha256', 'get_model', 'list_models',
           'models', 'resolve', 'zoo_root']

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


class UnknownModelError(ValueError):
    """No zoo entry has this name; the message lists the close ones."""


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
        training_data: The metafile's ``Metadata: Training Data``.
    """
    name: str
    config: str
    weights: Optional[str] = None
    filename: Optional[str] = None
    sha256: Optional[str] = None
    converter: Optional[str] = None
    training_data: Optional[str] = None


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
                    sha256=model.get('sha256'), converter=model.get('converter'),
                    training_data=model.get('Metadata', {}).get('Training Data'))
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
