"""A stand-in for ImageNet-pretrained ResNet-18 weights on the AVShapes benchmark.

EZ-VSL (Mo & Morgado, ECCV 2022, https://arxiv.org/abs/2203.09324), SLAVC (Mo &
Morgado, NeurIPS 2022, https://arxiv.org/abs/2209.09634) and FNAC (Sun et al., CVPR
2023, https://arxiv.org/abs/2303.11302) start their frame encoder from torchvision's
ImageNet ResNet-18, and their object-guided localisation (OGL) reads a frozen copy's
feature map. Those weights cannot be downloaded here, so on AVShapes they are
replaced by weights made the same way, supervised classification, on what this
benchmark has: a ResNet-18 trained to name the object classes drawn in each
*training-split* frame (never a val or test frame), with the labels the generator
wrote. It is not ImageNet: it has seen this benchmark's own frames and classes,
which gives those methods an advantage real ImageNet weights do not
(``docs/avshapes_standin.md``). Build it, or check that the cache is current::

    python tools/misc/build_avshapes_standin.py --data-root data/avshapes

and point a config at it::

    visual_encoder=dict(type='VisualResNet18', init_cfg=dict(
        type='Pretrained', checkpoint='data/avshapes/standin/resnet18_avshapes_cls.pth'))

The cache lives under the data root, beside the frames it was trained on::

    <data_root>/standin/resnet18_avshapes_cls.pth   the state dict, tensors only
    <data_root>/standin/resnet18_avshapes_cls.json  recipe, scores, cost, sha256

It is reused while its recipe (the training settings, the code's version and the
md5 of the dataset's settings, training list and annotations) matches; otherwise
rebuilt. Each file is written under a temporary name and renamed when complete,
weights first, and the JSON records the weights' sha256: a killed build leaves the
previous cache whole or a mismatch that the next call rebuilds, never a half file.
"""
import hashlib
import json
import os
import os.path as osp
import subprocess
import time
from dataclasses import asdict, dataclass
from typing import Callable, List, Optional, Tuple

import torch
from mmengine.logging import MMLogger

from avloc.datasets.synthesis import AVShapesSettings, generate_avshapes, is_complete
from avloc.datasets.vggsound import file_md5, in_holdout, read_id_list
from avloc.version import __version__
from .standin_training import (MultiLabelResNet18, load_frames, multilabel_scores, object_labels,
                               predict, timed, train_classifier)

#: Bump when a change to the training code changes the weights it makes; caches
#: made by another version are rebuilt.
CODE_VERSION = 1
STANDIN_DIR = 'standin'
WEIGHTS_NAME = 'resnet18_avshapes_cls.pth'
BUILD_SCRIPT = 'tools/misc/build_avshapes_standin.py'


@dataclass(frozen=True)
class StandinRecipe:
    """How the stand-in is trained; every field is part of the cache's key.

    Attributes:
        clips: Training-split clips trained on, the first ones of ``train.txt``
            outside the held-out share; 0 takes them all. 2,000 of the main
            benchmark's 4,000 keep the default build to a few minutes on 2 CPU
            cores (``docs/avshapes_standin.md`` has the measurements).
        epochs: Passes over those clips.
        heldout_fraction: Share of ``train.txt`` kept out of training and scored
            (:func:`avloc.datasets.in_holdout`, by clip id), so the JSON reports
            how the classifier does on frames it has not seen without touching the
            val or test split.
        batch_size: Frames per step.
        lr: Adam's learning rate, decayed to zero on a cosine.
        weight_decay: Adam's weight decay.
        seed: Seeds the weights' initialisation, the order, the flips and the
            held-out draw.
        frame_size: Square side the frames are resized to: the 96 px network input
            of every AVShapes config (``configs/_base_/datasets/avshapes.py``).
    """
    clips: int = 2000
    epochs: int = 4
    heldout_fraction: float = 0.1
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    frame_size: int = 96


def standin_path(data_root: str) -> str:
    """Where the stand-in of the AVShapes dataset in ``data_root`` is cached."""
    return osp.join(data_root, STANDIN_DIR, WEIGHTS_NAME)


def record_path(weights: str) -> str:
    """The JSON beside ``weights``."""
    return osp.splitext(weights)[0] + '.json'


def build_command(data_root: str) -> str:
    return f'python {BUILD_SCRIPT} --data-root {data_root}'


def missing_standin_message(checkpoint: str) -> Optional[str]:
    """The error for a stand-in checkpoint that does not exist yet, naming the
    command that builds it; None when ``checkpoint`` is not a stand-in's path or
    exists. For the code that loads ``init_cfg`` checkpoints."""
    if osp.basename(checkpoint) != WEIGHTS_NAME or osp.isfile(checkpoint):
        return None
    data_root = osp.dirname(osp.dirname(checkpoint)) or '.'
    return (f'{checkpoint}: the AVShapes stand-in for ImageNet ResNet-18 weights is not '
            f'built yet; build it (a few minutes on a CPU) with: '
            f'{build_command(data_root)}  (see docs/avshapes_standin.md)')


def require_avshapes_standin(checkpoint: str) -> str:
    """``checkpoint`` if it exists, else a FileNotFoundError naming the command that
    builds it. Call it before training a config that loads the stand-in."""
    message = missing_standin_message(checkpoint)
    if message:
        raise FileNotFoundError(message)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint not found')
    return checkpoint


def full_recipe(data_root: str, recipe: StandinRecipe) -> dict:
    """The cache key: the recipe, the code's version and the dataset's identity."""
    return dict(
        asdict(recipe), code_version=CODE_VERSION, avloc_version=__version__,
        architecture='VisualResNet18(layer4_stride=2) + avgpool + fc, multi-label',
        dataset={name: file_md5(osp.join(data_root, name))
                 for name in ('avshapes_meta.json', 'train.txt', 'vggss.json')})


def _differences(found: dict, wanted: dict, prefix: str = '') -> List[str]:
    """``key: <found> in the cache, <wanted> now`` for each differing leaf."""
    lines = []
    for key in sorted(set(found) | set(wanted)):
        old, new = found.get(key), wanted.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            lines += _differences(old, new, f'{prefix}{key}.')
        elif old != new:
            lines.append(f'{prefix}{key}: {old!r} in the cache, {new!r} now')
    return lines


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def stale_reason(weights: str, wanted: dict) -> Optional[str]:
    """Why the cache at ``weights`` cannot be reused for ``wanted``; None if it can."""
    record = record_path(weights)
    if not osp.isfile(record):
        return f'no cache at {record}'
    try:
        with open(record) as f:
            found = json.load(f)
        recorded_recipe, recorded_sha = found['recipe'], found['weights']['sha256']
    except (ValueError, KeyError, TypeError) as err:
        return f'{record} is unreadable ({err!r})'
    differences = _differences(recorded_recipe, wanted)
    if differences:
        return 'the recipe differs: ' + '; '.join(differences)
    if not osp.isfile(weights):
        return f'{weights} is missing'
    if _sha256(weights) != recorded_sha:
        return f'{weights} is not the file {record} describes'
    return None


def split_training_list(data_root: str, recipe: StandinRecipe) -> Tuple[List[str], List[str]]:
    """(clips to train on, held-out clips), both from ``train.txt`` only."""
    ids = read_id_list(osp.join(data_root, 'train.txt'))
    heldout = [c for c in ids if in_holdout(c, recipe.heldout_fraction, recipe.seed)]
    rest = [c for c in ids if not in_holdout(c, recipe.heldout_fraction, recipe.seed)]
    return (rest[:recipe.clips] if recipe.clips else rest), heldout


def _write_atomically(path: str, write: Callable[[str], None]) -> None:
    """``write(temporary path)``, then rename it to ``path``; removed if it fails."""
    partial = f'{path}.{os.getpid()}.partial'
    try:
        write(partial)
        with open(partial, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(partial, path)
    finally:
        if osp.exists(partial):
            os.remove(partial)


def _git_commit() -> Optional[str]:
    """The checkout's commit, for the record only (not part of the cache key)."""
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True,
                              cwd=osp.dirname(__file__), timeout=10,
                              check=True).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def build_standin(data_root: str, recipe: StandinRecipe, weights: str,
                  progress: bool = True) -> dict:
    """Train the stand-in, score it, write the weights and their JSON; returns the
    JSON's content."""
    start = time.perf_counter()
    train_ids, heldout_ids = split_training_list(data_root, recipe)
    if len(train_ids) < recipe.batch_size:
        raise ValueError(f'{data_root}: {len(train_ids)} training clips to train the '
                         f'stand-in on, fewer than one batch of {recipe.batch_size}')
    labels = object_labels(osp.join(data_root, 'vggss.json'))
    (frames, targets), load_s = timed(load_frames, data_root, train_ids + heldout_ids,
                                      labels, recipe.frame_size, progress)
    n = len(train_ids)
    with torch.random.fork_rng(devices=[]):  # seeded init, global RNG untouched
        torch.manual_seed(recipe.seed)
        model = MultiLabelResNet18()
    _, train_s = timed(train_classifier, model, frames[:n], targets[:n], recipe.epochs,
                       recipe.batch_size, recipe.lr, recipe.weight_decay, recipe.seed,
                       progress)
    scores, score_s = timed(lambda: dict(
        training_frames=multilabel_scores(predict(model, frames[:n]), targets[:n]),
        heldout_training_split_frames=multilabel_scores(
            predict(model, frames[n:]), targets[n:]) if heldout_ids else None))

    os.makedirs(osp.dirname(weights) or '.', exist_ok=True)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    _write_atomically(weights, lambda path: torch.save(state, path))
    content = dict(
        recipe=full_recipe(data_root, recipe), scores=scores,
        seconds=dict(decoding=round(load_s, 1), training=round(train_s, 1),
                     scoring=round(score_s, 1),
                     total=round(time.perf_counter() - start, 1)),
        clips=dict(training=len(train_ids), heldout=len(heldout_ids)),
        weights=dict(file=osp.basename(weights), sha256=_sha256(weights)),
        made=dict(date=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                  git_commit=_git_commit(), torch=torch.__version__,
                  torch_threads=torch.get_num_threads(), command=build_command(data_root)))

    def dump(path: str) -> None:
        with open(path, 'w') as f:
            json.dump(content, f, indent=2)
    _write_atomically(record_path(weights), dump)
    return content


def ensure_avshapes_standin(data_root: str, recipe: Optional[StandinRecipe] = None,
                            generator: Optional[dict] = None,
                            progress: bool = True) -> str:
    """The path of the stand-in weights of the AVShapes dataset in ``data_root``,
    built first if the cache is missing or was made with another recipe.

    Args:
        data_root: A finished AVShapes dataset (``tools/data/avshapes/generate.py``).
        recipe: Defaults to ``StandinRecipe()``.
        generator: When ``data_root`` holds no finished dataset, generate it with
            these :class:`AVShapesSettings` fields (plus ``num_workers``), as the
            configs' ``generator`` does; None refuses instead. Defaults to None.
        progress: Progress bars with ETA. Defaults to True.

    Returns:
        str: ``<data_root>/standin/resnet18_avshapes_cls.pth``.
    """
    recipe = recipe or StandinRecipe()
    logger = MMLogger.get_current_instance()
    if not is_complete(data_root):
        if generator is None:
            raise FileNotFoundError(
                f'{data_root}: no finished AVShapes dataset to train the stand-in on; '
                f'generate it first: python tools/data/avshapes/generate.py {data_root}')
        settings = dict(generator)
        num_workers = settings.pop('num_workers', 2)
        logger.info(f'Generating AVShapes in {data_root}')
        generate_avshapes(data_root, AVShapesSettings(**settings), num_workers, progress)
    weights = standin_path(data_root)
    reason = stale_reason(weights, full_recipe(data_root, recipe))
    if reason is None:
        logger.info(f'AVShapes stand-in: reusing {weights} (its recipe matches)')
        return weights
    logger.info(f'AVShapes stand-in: building {weights}, because {reason}')
    content = build_standin(data_root, recipe, weights, progress)
    logger.info(f'AVShapes stand-in: wrote {weights} in {content["seconds"]["total"]} s; '
                f'scores {json.dumps(content["scores"])}')
    return weights
