"""AVSBench's segmentation measures, mIoU and F-score (Zhou et al., "Audio-Visual
Segmentation", ECCV 2022, https://arxiv.org/abs/2207.05042), as its evaluator
computes them.

The public code (github.com/OpenNLPLab/AVSBench, ``avs_scripts/avs_{s4,ms3}/``)
scores a model's (N, H, W) mask logits against binary masks:

* ``utils/utility.py`` ``mask_iou``: a pixel is predicted when
  ``sigmoid(logit) > 0.5``; a frame's IoU is ``inter / (union + 1e-7)``, and a frame
  whose mask is all black scores its true-negative pixels over all its pixels;
* ``utils/utility.py`` ``_eval_pr`` and ``Eval_Fmeasure``: precision and recall of
  ``sigmoid(logit) >= t`` at 255 thresholds ``linspace(0, 1 - 1e-10, 255)``,
  ``F = (1 + b2) P R / (b2 P + R)`` with ``b2 = 0.3`` (NaN counted as 0), averaged
  over the frames whose mask is not all black; the score is that curve's maximum
  (0 when every mask is black);
* ``test.py`` (``test.sh``: ``--test_batch_size 4``): both are computed on each
  batch of 4 videos x 5 frames, and the reported numbers are the mean over batches
  (``pyutils.AverageMeter``), the last, shorter batch weighing as much as a full one.

Here the input is the step after the sigmoid: probability maps in [0, 1]. The
arithmetic is float32 as theirs, so the thresholds and ties fall where theirs do.
"""
import math
from typing import Iterator, List, Tuple, Union

import numpy as np
import torch

from avloc.structures.geometry import resize_heatmap
from .ciou import EVAL_SIZE, minmax_normalize

ArrayLike = Union[np.ndarray, torch.Tensor]

# test.sh: --test_batch_size 4 (videos), and every video has 5 frames.
FRAMES_PER_BATCH = 4 * 5
BETA2 = 0.3
NUM_THRESHOLDS = 255


def _maps(probs: ArrayLike, masks: ArrayLike) -> Tuple[torch.Tensor, torch.Tensor]:
    """Checked (N, H*W) float32 probabilities and 0/1 masks."""
    probs = torch.as_tensor(probs).detach().cpu()
    masks = torch.as_tensor(masks).detach().cpu()
    if probs.ndim != 3 or probs.shape != masks.shape:
        raise ValueError(f'probabilities and masks must both be (N, H, W), got shapes '
                         f'{tuple(probs.shape)} and {tuple(masks.shape)}')
    if probs.shape[0] == 0:
        raise ValueError('no frames to score')
    probs = probs.float().flatten(1)
    masks = masks.float().flatten(1)
    if not torch.isfinite(probs).all() or probs.min() < 0 or probs.max() > 1:
        raise ValueError('probabilities must be finite and in [0, 1] (apply the sigmoid '
                         'to logits, or heatmap_probabilities to heatmaps)')
    if not ((masks == 0) | (masks == 1)).all():
        raise ValueError('masks must be binary (0 or 1)')
    return probs, masks


def _batches(num_frames: int, frames_per_batch: int) -> Iterator[slice]:
    if frames_per_batch < 1:
        raise ValueError(f'frames_per_batch must be at least 1, got {frames_per_batch}')
    for start in range(0, num_frames, frames_per_batch):
        yield slice(start, start + frames_per_batch)


def frame_ious(probs: ArrayLike, masks: ArrayLike, eps: float = 1e-7) -> torch.Tensor:
    """Each frame's IoU as ``mask_iou`` computes it (see the module docstring).

    Args:
        probs (np.ndarray | torch.Tensor): (N, H, W) probabilities in [0, 1].
        masks (np.ndarray | torch.Tensor): (N, H, W) binary masks.
        eps (float): Added to the union. Defaults to 1e-7, theirs.

    Returns:
        torch.Tensor: (N,) float32 IoU of each frame.
    """
    return _frame_ious(*_maps(probs, masks), eps)


def _frame_ious(probs: torch.Tensor, masks: torch.Tensor, eps: float = 1e-7
                ) -> torch.Tensor:
    """(N,) IoU of checked (N, H*W) probabilities and masks."""
    pred = (probs > 0.5).float()
    inter = (pred * masks).sum(1)  # (N,)
    union = torch.maximum(pred, masks).sum(1)
    # A frame with no sounding object: the pixels both leave empty, over all pixels.
    no_object = masks.sum(1) == 0
    inter = torch.where(no_object, ((1 - masks) * (1 - pred)).sum(1), inter)
    union = torch.where(no_object, torch.full_like(union, masks.shape[1]), union)
    return inter / (union + eps)


def batch_miou(probs: ArrayLike, masks: ArrayLike) -> float:
    """``mask_iou`` of one batch: the mean IoU of its frames.

    Args:
        probs (np.ndarray | torch.Tensor): (B, H, W) probabilities in [0, 1].
        masks (np.ndarray | torch.Tensor): (B, H, W) binary masks.

    Returns:
        float: The batch's mean IoU.
    """
    return _frame_ious(*_maps(probs, masks)).mean().item()


def avsbench_miou(probs: ArrayLike, masks: ArrayLike,
                  frames_per_batch: int = FRAMES_PER_BATCH) -> float:
    """AVSBench's mIoU: the mean over batches of each batch's mean frame IoU.

    Args:
        probs (np.ndarray | torch.Tensor): (N, H, W) probabilities in [0, 1], frames
            in the test list's order (video by video, frames 1 to 5).
        masks (np.ndarray | torch.Tensor): (N, H, W) binary masks.
        frames_per_batch (int): Frames per batch of the public test loop. Defaults
            to 20 (test.sh's 4 videos x 5 frames).

    Returns:
        float: mIoU in [0, 1].
    """
    ious = _frame_ious(*_maps(probs, masks))
    return float(np.mean([ious[part].mean().item()
                          for part in _batches(len(ious), frames_per_batch)]))


def _thresholds(num: int) -> torch.Tensor:
    # 1 - 1e-10 is 1.0 in float32, as in their torch.linspace.
    return torch.linspace(0, 1 - 1e-10, num)


def fscore_curves(probs: ArrayLike, masks: ArrayLike, beta2: float = BETA2,
                  num_thresholds: int = NUM_THRESHOLDS) -> torch.Tensor:
    """Each frame's F-measure at every threshold, as ``_eval_pr`` and
    ``Eval_Fmeasure`` compute it for one frame (see the module docstring).

    Args:
        probs (np.ndarray | torch.Tensor): (N, H, W) probabilities in [0, 1].
        masks (np.ndarray | torch.Tensor): (N, H, W) binary masks.
        beta2 (float): The weight of precision against recall. Defaults to 0.3.
        num_thresholds (int): Thresholds evenly spaced from 0 to 1. Defaults to 255.

    Returns:
        torch.Tensor: (N, num_thresholds) float32; a frame with an all-black mask
        has precision and recall 0 and so F 0 everywhere.
    """
    return _fscore_curves(*_maps(probs, masks), beta2, num_thresholds)


def _fscore_curves(probs: torch.Tensor, masks: torch.Tensor, beta2: float,
                   num_thresholds: int) -> torch.Tensor:
    """(N, T) F-measures of checked (N, H*W) probabilities and masks."""
    thresholds = _thresholds(num_thresholds)
    num = probs.shape[0]
    # bucket b of a pixel: it passes the first b thresholds (p >= t_0, ..., t_{b-1}),
    # so the pixels passing threshold i are those whose bucket exceeds i.
    buckets = torch.searchsorted(thresholds, probs, right=True)  # (N, HW) in [0, T]
    hist = torch.zeros(num, num_thresholds + 1).scatter_add_(1, buckets, torch.ones_like(probs))
    true_hist = torch.zeros(num, num_thresholds + 1).scatter_add_(1, buckets, masks)
    # Counts are whole numbers below 2 ** 24: exact in float32, as their sums.
    passing = hist.flip(1).cumsum(1).flip(1)[:, 1:]  # (N, T)
    true_pos = true_hist.flip(1).cumsum(1).flip(1)[:, 1:]
    precision = true_pos / (passing + 1e-20)
    recall = true_pos / (masks.sum(1, keepdim=True) + 1e-20)
    fscore = (1 + beta2) * precision * recall / (beta2 * precision + recall)
    return torch.nan_to_num(fscore, nan=0.0)


def batch_fscore(probs: ArrayLike, masks: ArrayLike, beta2: float = BETA2,
                 num_thresholds: int = NUM_THRESHOLDS) -> float:
    """``Eval_Fmeasure`` of one batch: the best threshold of the mean F-measure
    curve over the frames whose mask is not all black; 0 when every mask is.

    Args:
        probs (np.ndarray | torch.Tensor): (B, H, W) probabilities in [0, 1].
        masks (np.ndarray | torch.Tensor): (B, H, W) binary masks.
        beta2 (float): Defaults to 0.3.
        num_thresholds (int): Defaults to 255.

    Returns:
        float: The batch's F-score.
    """
    return _batch_fscore(*_maps(probs, masks), beta2, num_thresholds)


def _batch_fscore(probs: torch.Tensor, masks: torch.Tensor, beta2: float,
                  num_thresholds: int) -> float:
    has_object = masks.sum(1) > 0
    if not has_object.any():
        return 0.0
    curves = _fscore_curves(probs[has_object], masks[has_object], beta2, num_thresholds)
    return curves.mean(0).max().item()


def avsbench_fscore(probs: ArrayLike, masks: ArrayLike,
                    frames_per_batch: int = FRAMES_PER_BATCH, beta2: float = BETA2,
                    num_thresholds: int = NUM_THRESHOLDS) -> float:
    """AVSBench's F-score: the mean over batches of each batch's best F-measure.

    Frames whose mask is all black are left out of their batch's curve, as
    published; a batch of only such frames counts as 0.

    Args:
        probs (np.ndarray | torch.Tensor): (N, H, W) probabilities in [0, 1], frames
            in the test list's order.
        masks (np.ndarray | torch.Tensor): (N, H, W) binary masks.
        frames_per_batch (int): Defaults to 20 (test.sh's 4 videos x 5 frames).
        beta2 (float): Defaults to 0.3.
        num_thresholds (int): Defaults to 255.

    Returns:
        float: F-score in [0, 1].
    """
    probs, masks = _maps(probs, masks)
    # A batch at a time: the (N, HW) bucket indices of a whole test set are large.
    return float(np.mean([_batch_fscore(probs[part], masks[part], beta2, num_thresholds)
                          for part in _batches(len(probs), frames_per_batch)]))


def num_batches(num_frames: int, frames_per_batch: int = FRAMES_PER_BATCH) -> int:
    """How many batches the public test loop makes of ``num_frames`` frames."""
    return math.ceil(num_frames / frames_per_batch)


def heatmap_probabilities(heatmaps: Union[ArrayLike, List[np.ndarray]],
                          size: int = EVAL_SIZE) -> np.ndarray:
    """Localisation heatmaps as the probability maps AVSBench's measures read.

    AVSBench's models emit mask logits and its evaluator takes their sigmoid. A
    localisation heatmap has no such scale (cosine similarities, attention, each
    method its own range), so a sigmoid of it would put every pixel near 0.5 or
    saturate it depending on the method. Here a map is resized bilinearly to
    ``size`` (OpenCV's ``INTER_LINEAR``, as the cIoU protocols) and min-max
    normalised to [0, 1]: the F-score's 255 thresholds then sweep the map's whole
    range, and mIoU's cut at 0.5 keeps the pixels above the middle of it. A constant
    map has no range and becomes all zeros: it predicts nothing (at the F-score's
    threshold 0, everything).

    Args:
        heatmaps (np.ndarray | torch.Tensor | list[np.ndarray]): (N, h, w) raw
            heatmaps.
        size (int): The side of the square probability maps. Defaults to 224,
            AVSBench's frame and mask size.

    Returns:
        np.ndarray: (N, size, size) float32 in [0, 1].
    """
    maps = [minmax_normalize(resize_heatmap(np.asarray(torch.as_tensor(h).detach().cpu(),
                                                       dtype=np.float32), size))
            for h in heatmaps]
    if not maps:
        return np.zeros((0, size, size), np.float32)
    return np.stack(maps)
