"""SLAVC's extended localisation protocol (Mo & Morgado, "A Closer Look at Weakly-
Supervised Audio-Visual Source Localization", NeurIPS 2022).

Each test frame is scored twice: with its own audio (a visible source) and with
another clip's audio (no visible source). A model must both localise and say whether
the sound is in the frame at all, so the scores are detection scores over a
confidence threshold c:

* a visible pair with confidence >= c is a true positive when its ciou reaches the
  IoU threshold, else a false positive; a non-visible pair with confidence >= c is a
  false positive;
* recall = true positives / number of visible pairs (a mislocalised visible pair is
  a miss as well as a false alarm, as in object detection);
* AP sums precision (made monotone from the right) over the recall steps of about
  200 thresholds taken from the sorted confidences; max-F1 is the best F1 over the
  deciles of the confidences, and ``precision`` the precision at that threshold.
"""
from typing import Dict, Sequence

import numpy as np

from avloc.structures.geometry import resize_heatmap
from .ciou import EVAL_SIZE

SIZE_BINS = (('small', 0, 32 ** 2), ('medium', 32 ** 2, 96 ** 2),
             ('large', 96 ** 2, 144 ** 2), ('huge', 144 ** 2, np.inf))


def confidence_score(heatmap: np.ndarray, top_fraction: float = 0.25) -> float:
    """Mean of the top 25% of a raw cosine heatmap (resized to 224), mapped from
    [-1, 1] to [0, 1] with a fixed range: no per-clip min-max, which would make every
    map equally confident."""
    values = np.sort(resize_heatmap(heatmap, EVAL_SIZE).ravel())
    top = values[-max(1, int(round(len(values) * top_fraction))):]
    return float((top.mean() + 1) / 2)


def _precision_recall(threshold: float, conf_visible: np.ndarray, hit: np.ndarray,
                      conf_silent: np.ndarray):
    detected = conf_visible >= threshold
    tp = int((detected & hit).sum())
    fp = int((detected & ~hit).sum() + (conf_silent >= threshold).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / len(conf_visible)


def detection_scores(conf_visible: Sequence[float], cious: Sequence[float],
                     conf_silent: Sequence[float], iou_threshold: float = 0.5,
                     num_thresholds: int = 200) -> Dict[str, float]:
    """AP, max-F1 and the precision at max-F1 of the extended protocol.

    Args:
        conf_visible (Sequence[float]): (V,) confidences of the visible pairs.
        cious (Sequence[float]): (V,) their ciou.
        conf_silent (Sequence[float]): (S,) confidences of the non-visible pairs.
        iou_threshold (float): ciou a true positive needs. Defaults to 0.5.
        num_thresholds (int): How many sorted confidences AP is evaluated at.
            Defaults to 200.
    """
    conf_visible = np.asarray(conf_visible, np.float64)
    conf_silent = np.asarray(conf_silent, np.float64)
    if len(conf_visible) == 0:
        raise ValueError('the extended protocol needs at least one visible pair')
    hit = np.asarray(cious, np.float64) >= iou_threshold
    everything = np.sort(np.concatenate([conf_visible, conf_silent]))
    picks = np.unique(np.linspace(0, len(everything) - 1, num_thresholds).astype(int))
    points = [_precision_recall(c, conf_visible, hit, conf_silent)
              for c in everything[picks][::-1]]  # falling threshold: rising recall
    precision = np.array([p for p, _ in points])
    recall = np.array([0.0] + [r for _, r in points])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    ap = float(np.sum(np.diff(recall) * precision))
    best = (-1.0, 0.0)
    for c in np.percentile(everything, np.arange(0, 101, 10)):
        p, r = _precision_recall(c, conf_visible, hit, conf_silent)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        best = max(best, (f1, p))
    return dict(AP=ap, max_F1=best[0], precision=best[1])


def size_bin(gt_map: np.ndarray) -> str:
    """The size bin of a 224x224 ground-truth map by its area in pixels: small
    < 32^2 <= medium < 96^2 <= large < 144^2 <= huge."""
    area = float((gt_map > 0).sum())
    return next(name for name, low, high in SIZE_BINS if low <= area < high)
