"""The zoo's entries, read from the metafiles, and the files they name.

Names are the ``Name`` fields of ``configs/*/metafile.yml``, which the root
``model-index.yml`` imports as OpenMMLab's ``mim`` reads them.
"""
import difflib
import functools
import glob
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import yaml

from avloc.utils.download import NON_DIRECT, download

# A clone: projects/avloc; an install: site-packages/avloc (this file is
# avloc/apis/model_zoo/entries.py).
PACKAGE_DIR = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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
        source_file: For weights saved by hand from a shared folder, the file's
            name in that folder (saved as :attr:`filename`).
        training_data: The metafile's ``Metadata: Training Data``.
        method: The entry's ``In Collection`` (``'SSL-TIE'``).
        results: ``Results`` (scores measured in this repository), as
            ``(dataset, {metric: value})`` pairs.
        published: ``Published Results`` (the paper's or the authors' README's
            numbers, which this repository did not measure), likewise.
    """
    name: str
    config: str
    weights: Optional[str] = None
    filename: Optional[str] = None
    sha256: Optional[str] = None
    converter: Optional[str] = None
    source_file: Optional[str] = None
    training_data: Optional[str] = None
    method: Optional[str] = None
    results: Tuple[Tuple[str, Dict[str, float]], ...] = ()
    published: Tuple[Tuple[str, Dict[str, float]], ...] = ()

    @property
    def by_hand(self) -> bool:
        """Whether the weights are behind a sharing page that no program can
        download: they are saved by hand as :attr:`filename` in the cache."""
        return self.weights is not None and any(p in self.weights for p in NON_DIRECT)


def _scores(results: Optional[list]) -> Tuple[Tuple[str, Dict[str, float]], ...]:
    """``Results`` / ``Published Results`` as ``(dataset, metrics)`` pairs."""
    return tuple((r.get('Dataset', '?'), dict(r.get('Metrics') or {}))
                 for r in results or ())


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
                    source_file=model.get('source_file'),
                    training_data=model.get('Metadata', {}).get('Training Data'),
                    method=model.get('In Collection'), results=_scores(model.get('Results')),
                    published=_scores(model.get('Published Results')))
    return entries


def list_models() -> List[str]:
    """Sorted names of every zoo entry."""
    return sorted(models())


def looks_like_path(name: str) -> bool:
    """Whether ``name`` is meant as a file (a folder separator, or ``.py``), not a
    zoo name: zoo names have neither."""
    return '/' in name or os.sep in name or name.endswith('.py')


def missing_config(path: str) -> FileNotFoundError:
    """``<path>: no such config file``, with the closest config files of its
    folder, for a path that is not there."""
    folder = osp.dirname(path) or '.'
    names = [osp.basename(p) for p in glob.glob(osp.join(folder, '*.py'))]
    close = difflib.get_close_matches(osp.basename(path), names, n=3, cutoff=0.6)
    hint = f'; did you mean {", ".join(osp.join(folder, c) for c in close)}?' \
        if close else ''
    return FileNotFoundError(f'{path}: no such config file{hint}')


def get_model(name: str) -> ZooModel:
    """The entry called ``name``, or the entry whose config is the file ``name``.

    Raises:
        FileNotFoundError: ``name`` looks like a path (:func:`looks_like_path`)
            and no such file exists; the message names the closest config files.
        UnknownModelError: with the closest names, when there is no such entry.
    """
    entries = models()
    if name in entries:
        return entries[name]
    if looks_like_path(name):
        if not osp.isfile(name):
            raise missing_config(name)
        path = osp.realpath(name)
        for entry in entries.values():
            if osp.realpath(entry.config) == path:
                return entry
        raise UnknownModelError(f'{name}: a config file, but no zoo entry has it')
    close = difflib.get_close_matches(name, entries, n=5, cutoff=0.5)
    hint = f'did you mean {", ".join(close)}?' if close else \
        'see `python -m avloc.apis.model_zoo list`'
    raise UnknownModelError(f'no model {name!r} in the zoo; {hint}')


def resolve(name: str, sha256: Optional[str] = None, progress: bool = True
            ) -> Tuple[str, Optional[str]]:
    """The config and local checkpoint of a zoo entry, downloading if needed.

    Args:
        name: A name from :func:`list_models` (or the path of its config).
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
