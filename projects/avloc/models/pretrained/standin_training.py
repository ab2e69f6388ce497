"""Supervised multi-label training of a ResNet-18 on AVShapes training frames.

The building block of the AVShapes stand-in for ImageNet weights
(:mod:`avloc.models.pretrained.avshapes_standin`): the frames are decoded as the
datasets decode them (:class:`~avloc.datasets.transforms.LoadFrame`, the middle
frame of each clip's video, then :class:`~avloc.datasets.transforms.FixedSizeResize`
as the AVShapes test pipeline resizes), normalised with the data preprocessor's
statistics, and labelled with the object classes the generator wrote for them
(``vggss.json``'s ``objects``). Nothing here reads a val or test list.
"""
import inspect
import os.path as osp
import time
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm import tqdm

from avloc.datasets.synthesis.scenes import SHAPES
from avloc.datasets.transforms import FixedSizeResize, LoadFrame
from avloc.datasets.vggsound import read_json_list
from ..data_preprocessors import AVDataPreprocessor
from ..encoders import VisualResNet18


def preprocessor_statistics() -> Tuple[torch.Tensor, torch.Tensor]:
    """The RGB mean and std (0-255 scale) every AVShapes config normalises frames
    with: :class:`AVDataPreprocessor`'s defaults, read from it so the two cannot
    drift apart. Returns two (1, 3, 1, 1) tensors."""
    params = inspect.signature(AVDataPreprocessor.__init__).parameters
    mean = torch.tensor(params['mean'].default, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(params['std'].default, dtype=torch.float32).view(1, 3, 1, 1)
    return mean, std


def object_labels(box_file: str) -> Dict[str, np.ndarray]:
    """Per clip id, the multi-hot (len(SHAPES),) float32 vector of the object classes
    drawn in its frame, sounding or not, from the generator's annotation file."""
    labels = {}
    for entry in read_json_list(box_file, 'AVShapes annotation'):
        target = np.zeros(len(SHAPES), np.float32)
        for obj in entry['objects']:
            target[SHAPES.index(obj['class'])] = 1.0
        labels[entry['file']] = target
    return labels


def load_frames(data_root: str, clip_ids: Sequence[str], labels: Dict[str, np.ndarray],
                frame_size: int, progress: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """Decode and resize the frames of ``clip_ids``.

    Returns:
        tuple: frames (N, 3, S, S) uint8 RGB and targets (N, len(SHAPES)) float32.
    """
    load, resize = LoadFrame(), FixedSizeResize((frame_size, frame_size))
    frames = torch.empty(len(clip_ids), 3, frame_size, frame_size, dtype=torch.uint8)
    for i, clip_id in enumerate(tqdm(clip_ids, desc='decoding frames', unit='frame',
                                     disable=not progress)):
        img = resize(load(dict(video_path=osp.join(data_root, 'video', clip_id + '.mp4'))))
        frames[i] = torch.from_numpy(np.ascontiguousarray(img['img'])).permute(2, 0, 1)
    targets = torch.from_numpy(np.stack([labels[c] for c in clip_ids]))
    return frames, targets


class MultiLabelResNet18(VisualResNet18):
    """:class:`VisualResNet18` at torchvision's output stride 32 with torchvision's
    classifier head (``avgpool`` then ``fc``), so its state dict has the key names
    of a torchvision ResNet-18 checkpoint.

    Args:
        num_classes (int): Outputs of ``fc``. Defaults to len(SHAPES).
    """

    def __init__(self, num_classes: int = len(SHAPES)) -> None:
        # Stride 2 as in the ImageNet network it stands in for; the weights have the
        # same shapes at stride 1, so either encoder layout loads them.
        super().__init__(layer4_stride=2)
        self.fc = nn.Linear(512, num_classes)

    def logits(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) normalised frames -> (B, num_classes) logits."""
        return self.fc(self.feature_map(imgs).mean(dim=(2, 3)))


def normalise(frames: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) uint8 -> float, normalised as the data preprocessor does."""
    mean, std = preprocessor_statistics()
    return (frames.float() - mean) / std


def train_classifier(model: MultiLabelResNet18, frames: torch.Tensor, targets: torch.Tensor,
                     epochs: int, batch_size: int, lr: float, weight_decay: float,
                     seed: int, progress: bool = True) -> None:
    """Adam with a cosine decay to zero, binary cross-entropy per class, a random
    horizontal flip per frame (it keeps every label true; crops could cut an object
    out of the frame and leave its label wrong). Shuffling and flips come from a
    generator seeded with ``seed``; the global torch RNG is left alone.

    Args:
        frames: (N, 3, S, S) uint8 RGB. targets: (N, C) multi-hot float32.
    """
    gen = torch.Generator().manual_seed(seed)
    steps_per_epoch = max(1, len(frames) // batch_size)  # the last partial batch dropped
    total = epochs * steps_per_epoch
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + np.cos(np.pi * step / total)))
    model.train()
    bar = tqdm(total=total, desc='training stand-in', unit='step', disable=not progress)
    for _ in range(epochs):
        order = torch.randperm(len(frames), generator=gen)
        for step in range(steps_per_epoch):
            index = order[step * batch_size:(step + 1) * batch_size]
            batch = frames[index]  # (B, 3, S, S) uint8
            flip = torch.rand(len(index), generator=gen) < 0.5
            batch[flip] = batch[flip].flip(-1)
            loss = F.binary_cross_entropy_with_logits(model.logits(normalise(batch)),
                                                      targets[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            bar.set_postfix(loss=f'{loss.item():.3f}')
            bar.update()
    bar.close()
    model.eval()


@torch.no_grad()
def predict(model: nn.Module, frames: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """(N, 3, S, S) uint8 -> (N, C) class probabilities, in eval mode."""
    model.eval()
    return torch.cat([torch.sigmoid(model.logits(normalise(frames[i:i + batch_size])))
                      for i in range(0, len(frames), batch_size)])


def average_precision(scores: np.ndarray, positives: np.ndarray) -> float:
    """Area under the precision-recall curve of one class, as the mean precision at
    the rank of each positive (ties ranked positives last, the pessimistic order).

    Args:
        scores: (N,) float. positives: (N,) bool, at least one True.
    """
    order = np.lexsort((positives, -scores))  # by score descending, negatives first in ties
    hits = positives[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def multilabel_scores(probs: torch.Tensor, targets: torch.Tensor) -> Dict[str, float]:
    """``mAP`` over the classes with both positives and negatives among the frames,
    and ``exact_match``: the share of frames whose classes at probability 0.5 are
    exactly their objects' classes.

    Args:
        probs, targets: (N, C).
    """
    probs_np, positives = probs.numpy(), targets.numpy() > 0.5
    present: List[int] = [c for c in range(positives.shape[1])
                          if 0 < positives[:, c].sum() < len(positives)]
    aps = [average_precision(probs_np[:, c], positives[:, c]) for c in present]
    exact = ((probs_np > 0.5) == positives).all(axis=1).mean()
    return dict(frames=int(len(probs_np)), mAP=float(np.mean(aps)) if aps else float('nan'),
                exact_match=float(exact))


def timed(fn, *args, **kwargs):
    """(fn's result, the seconds it took)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start
