"""Build the AVShapes stand-in for ImageNet weights before a config needs it.

EZ-VSL (https://arxiv.org/abs/2203.09324), SLAVC (https://arxiv.org/abs/2209.09634)
and FNAC (https://arxiv.org/abs/2303.11302) start their frame encoder from
ImageNet weights; their AVShapes configs point at the stand-in instead
(:mod:`avloc.models.pretrained.avshapes_standin`,
``<data_root>/standin/resnet18_avshapes_cls.pth``). ``tools/train.py`` calls
:func:`ensure_config_standins` before it builds the runner, so the first training
of such a config builds the stand-in (and generates the dataset it is trained on,
with the config's own ``generator``) and later ones reuse the cache::

    python tools/train.py configs/ezvsl/ezvsl_r18-standin_1xb16-2e_avshapes1k.py

does what ``python tools/misc/build_avshapes_standin.py`` followed by the training
would. Only the process of rank 0 builds; in a distributed launch the other ranks
wait for it at the process group's rendezvous, which rank 0 enters after this call.
"""
import os.path as osp
from typing import Any, Iterator, List

from mmengine.config import Config

from avloc.models.pretrained import ensure_avshapes_standin
from avloc.models.pretrained.avshapes_standin import STANDIN_DIR, WEIGHTS_NAME


def standin_checkpoints(node: Any) -> Iterator[str]:
    """Every string in ``node`` (a config's dicts and lists, walked depth first)
    that names a stand-in's weights file, wherever the config keeps it
    (``init_cfg.checkpoint``, an object encoder's checkpoint, ...)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from standin_checkpoints(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from standin_checkpoints(value)
    elif (isinstance(node, str) and osp.basename(node) == WEIGHTS_NAME
          and osp.basename(osp.dirname(node)) == STANDIN_DIR):
        yield node


def _datasets(cfg: Config) -> Iterator[dict]:
    """The datasets of the config's loaders, wrappers' inner datasets included."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset')
        while isinstance(dataset, dict):
            yield dataset
            dataset = dataset.get('dataset')


def generator_for(cfg: Config, data_root: str) -> dict:
    """The ``generator`` settings of the config's dataset in ``data_root``, so that a
    missing dataset is generated as the config's loaders would generate it; the
    default settings (as ``build_avshapes_standin.py`` uses) when no dataset of the
    config lives there."""
    for dataset in _datasets(cfg):
        root = dataset.get('data_root')
        if root and osp.normpath(root) == osp.normpath(data_root):
            return dict(dataset.get('generator') or {})
    return {}


def ensure_config_standins(cfg: Config, progress: bool = True) -> List[str]:
    """Build (or check and reuse) every stand-in that ``cfg.model`` points at.

    Args:
        cfg: A loaded config, ``--cfg-options`` applied.
        progress: Progress bars while building. Defaults to True.

    Returns:
        list[str]: The stand-ins' weight files, each current when this returns;
        empty for a config that loads none.
    """
    built: List[str] = []
    for checkpoint in dict.fromkeys(map(osp.normpath, standin_checkpoints(cfg.get('model')))):
        data_root = osp.dirname(osp.dirname(checkpoint)) or '.'
        built.append(ensure_avshapes_standin(
            data_root, generator=generator_for(cfg, data_root), progress=progress))
    return built
