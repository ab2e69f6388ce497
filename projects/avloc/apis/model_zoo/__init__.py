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
- ``Published Results``: scores from the paper or the authors' README, in the
  form of ``Results``, which holds only what this repository measured.

A package with a ``__main__`` module, so that ``python -m`` runs the command line
without the package having imported it first.
"""
from avloc.utils.download import (ChecksumError, NonDirectLinkError, cache_dir, cache_path,
                                  check_hash, download, file_sha256)
from .cli import main
from .entries import (UnknownModelError, ZooModel, get_model, list_models, looks_like_path, models,
                      resolve, zoo_root)
from .listing import format_entries, list_entries

# The downloader's names stay part of the zoo's API.
__all__ = ['ChecksumError', 'NonDirectLinkError', 'UnknownModelError', 'ZooModel', 'cache_dir',
           'cache_path', 'check_hash', 'download', 'file_sha256', 'format_entries',
           'get_model', 'list_entries', 'list_models', 'looks_like_path', 'main', 'models',
           'resolve', 'zoo_root']
