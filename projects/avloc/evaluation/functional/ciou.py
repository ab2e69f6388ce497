"""The building blocks of the cIoU localisation protocols, as pure numpy functions.

The LVS / SSL-TIE protocol (Chen et al. CVPR 2021; SSL-TIE's evaluator) reads:
the raw heatmap is resized bilinearly to 224x224 and min-max normalised; the
prediction is every pixel strictly above the median value ``sort(H)[224*224 // 2]``
(and, in their code, every pixel at the maximum);
the VGG-SS ground truth is the union of the clip's boxes (normalised coordinates
clipped to [0, 1], times 224, truncated to int);
``ciou = sum(P * G) / (sum(G) + sum(P * (G == 0)))``; the reported cIoU is the share
of clips with ``ciou >= 0.5`` and AUC the trapezoid area under that share at
thresholds 0, 0.05, ..., 1. The other protocols change the resize and the threshold
rule, and each protocol's handling of constant maps and empty ground truth is
spelled out in :mod:`.protocols`.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from avloc.structures.geometry import resize_heatmap

EVAL_SIZE = 224


def minmax_normalize(resized: np.ndarray) -> np.ndarray:
    """(H, W) map -> ``(H - min) / (max - min)`` in its own dtype, EZ-VSL's
    ``normalize_img`` step for step.

    A constant map has no range and becomes all zeros (EZ-VSL leaves it as it is;
    either way every pixel ties, which is all the threshold rules look at).
    """
    low, high = resized.min(), resized.max()
    return (resized - low) / (high - low) if high > low else np.zeros_like(resized)


def resize_and_normalize(heatmap: np.ndarray, size: int = EVAL_SIZE,
                         align_corners: bool = False) -> np.ndarray:
    """(h, w) raw heatmap -> (size, size) bilinear resize (see
    :func:`~avloc.structures.geometry.resize_heatmap`),
    min-max scaled to [0, 1] (see :func:`minmax_normalize`)."""
    return minmax_normalize(resize_heatmap(heatmap, size, align_corners))


def lvs_normalize(resized: np.ndarray) -> np.ndarray:
    """LVS's and SSL-TIE's normalisation of a resized (H, W) float32 map, operation for
    operation: ``1 - minmax(-H)``.

    Their ``normalize_img`` skips the division when max == min, so a constant map
    ``c`` comes out as ``1 + c`` instead of a map in [0, 1]. The same float32 steps
    as theirs keep ties at the threshold identical (``(H - min) / (max - min)``
    rounds differently in the last bit).
    """
    flipped = -resized
    low, high = flipped.min(), flipped.max()
    if high - low != 0:
        flipped = (flipped - low) / (high - low)
    return 1 - flipped


def _kth_smallest(values: np.ndarray, k: int) -> np.generic:
    """``np.sort(values.ravel())[k]`` without the full sort (a quarter of the time)."""
    return np.partition(values.ravel(), k)[k]


def median_threshold_mask(heatmap: np.ndarray, inclusive: bool = False) -> np.ndarray:
    """Pixels above the element at index ``N // 2`` of the sorted values (about half
    the frame): strictly above for LVS / SSL-TIE, at or above (``inclusive``) for
    EZ-VSL. Under ``inclusive`` a constant map is kept whole."""
    threshold = _kth_smallest(heatmap, heatmap.size // 2)
    return heatmap >= threshold if inclusive else heatmap > threshold


def top_k_mask(heatmap: np.ndarray, k: int, inclusive: bool = True) -> np.ndarray:
    """The adaptive prediction: pixels at or above the k-th largest value, so at
    least ``k`` pixels (more where values tie; a constant map is kept whole).
    ``inclusive=False`` keeps the pixels strictly above it instead (SSL-Align's
    ``>``: fewer than ``k``, none of a constant map). ``k`` outside [1, N] is an
    error."""
    if not 1 <= k <= heatmap.size:
        raise ValueError(f'k must be in [1, {heatmap.size}], got {k}')
    threshold = _kth_smallest(heatmap, heatmap.size - k)
    return heatmap >= threshold if inclusive else heatmap > threshold


def boxes_to_gt_map(boxes: np.ndarray, size: int = EVAL_SIZE,
                    rule: str = 'union', out: Optional[np.ndarray] = None) -> np.ndarray:
    """Ground-truth map of (N, 4) normalised boxes on a (size, size) grid.

    Coordinates are clipped to [0, 1], scaled by ``size`` and truncated, and a box
    covers rows ``y1:y2`` and columns ``x1:x2`` as in the public evaluators.
    ``rule='union'`` (VGG-SS) marks every pixel inside any box; ``'consensus'``
    (Flickr-SoundNet, several annotators) counts the boxes over each pixel and takes
    ``min(count / 2, 1)``, so a pixel two annotators agree on weighs 1 and one
    annotator's pixel 0.5. ``out``, a (size, size) float32 array, receives the map
    instead of a new array (a buffer reused clip after clip).
    """
    if rule not in ('union', 'consensus'):
        raise ValueError(f"rule must be 'union' or 'consensus', got {rule!r}")
    if out is None:
        count = np.zeros((size, size), np.float32)
    else:
        count = out
        count[...] = 0
    for x1, y1, x2, y2 in (np.clip(np.asarray(boxes, np.float64).reshape(-1, 4), 0, 1)
                           * size).astype(int):
        count[y1:y2, x1:x2] += 1
    if rule == 'union':
        return np.minimum(count, 1, out=count)
    return np.minimum(np.divide(count, 2, out=count), 1, out=count)


def ciou(pred: np.ndarray, gt: np.ndarray) -> float:
    """Consensus IoU of a binary prediction against a ground-truth map in [0, 1].

    ``sum(P * G) / (sum(G) + sum(P * (G == 0)))``. An empty ground truth scores 0
    whatever is predicted, and NaN when nothing is predicted either (0 / 0), as in
    the public evaluators; NaN fails every threshold, even t = 0.
    """
    pred = pred.astype(np.float64)
    denom = gt.sum() + (pred * (gt == 0)).sum()
    return float((pred * gt).sum() / denom) if denom > 0 else float('nan')


def ciou_at_threshold(cious: Sequence[float], threshold: float = 0.5) -> float:
    """Share of clips whose ciou reaches ``threshold`` (a NaN ciou never does)."""
    return float(np.mean(np.asarray(cious) >= threshold))


def ciou_auc(cious: Sequence[float]) -> Tuple[float, np.ndarray]:
    """Trapezoid area under ``share(ciou >= t)`` for t = 0, 0.05, ..., 1.

    The thresholds are ``0.05 * i`` and the area ``np.trapezoid``, exactly what the
    public evaluators' ``sklearn.metrics.auc`` computes, so the AUC matches theirs to
    the last bit.

    Returns:
        tuple: the AUC and the (21,) curve.
    """
    thresholds = 0.05 * np.arange(21)
    curve = np.array([ciou_at_threshold(cious, t) for t in thresholds])
    return float(np.trapezoid(curve, thresholds)), curve


def centre_prior_map(size: int = EVAL_SIZE, area: float = 0.5) -> np.ndarray:
    """A centred disc covering ``area`` of the frame, smooth towards its edge: the
    "sound comes from the middle" baseline (a prediction with no input at all)."""
    yy, xx = np.mgrid[:size, :size] + 0.5
    dist = np.hypot(xx - size / 2, yy - size / 2)
    radius = size * np.sqrt(area / np.pi)
    return np.clip(1 - dist / (2 * radius), 0, 1).astype(np.float32)


def mask_to_gt_map(mask: np.ndarray, size: int = EVAL_SIZE) -> np.ndarray:
    """Ground-truth map of a (H, W) segmentation mask (AVSBench): nearest-neighbour
    resize to (size, size), any non-zero value counts as sounding."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'a ground-truth mask must be (H, W), got shape {mask.shape}')
    resized = cv2.resize((mask > 0).astype(np.uint8), (size, size),
                         interpolation=cv2.INTER_NEAREST)
    return resized.astype(np.float32)
