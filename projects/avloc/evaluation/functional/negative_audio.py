"""Negative-audio measures: does the map go dark when the audio holds no source?

Juanola, Haro & Fuentes, "A Critical Assessment of Visual Sound Source Localization
Models Including Negative Audio", ICASSP 2025 (https://arxiv.org/abs/2410.01020;
code: github.com/xavijuanola/vssl_eval, ``eval.py`` and ``utils_dir/eval_utils.py``).

Each test frame is scored with its own audio (the positive map) and with three
negative audios that no object in the frame makes: ``silence``, ``noise`` and
``offscreen`` (another clip's sound). A model that listens lights up the sounding
object for the positive audio and leaves the frame dark for the negatives.

The maps are the raw similarity maps resized bilinearly to the ground-truth grid
(224 x 224) and NOT min-max normalised, so one threshold means the same level of
similarity for every clip and every audio. A pixel is on when strictly above the
threshold (``>``, as the public code binarises). The threshold rules:

* ``0.5`` (``fixed``): one level for every clip (the public ``--threshold``).
* ``median``: ``sort(P)[H*W // 2]`` of the clip's positive map (about half the
  frame; the public ``threshold_ciou_wogl``).
* ``adaptive``: the ``|G|``-th largest value of the clip's positive map, ``|G|`` its
  ground truth's area (``H*W // 2`` where the ground truth is empty; the public
  ``threshold_ciouadap_wogl``).
* ``max``, ``max10``, ``maxq3``: levels taken from the positive maps' peaks over the
  whole test set (:func:`peak_thresholds`), or the published per-model constants
  (:data:`PUBLISHED_THRESHOLDS`).

Fixed and peak levels are compared in the maps' float32, as the public code's float32
maps are against its Python-float constants. Only the path without object guidance
is computed here: a config that asks for the object prior blends it into the model's
heatmap before these measures see it.

Keys of :func:`negative_audio_scores` (fractions in [0, 1]; the public code prints
them x100). ``<kind>`` is a negative kind, ``<fixed>`` the fixed level as ``%g``:

* ``threshold/max``, ``threshold/max10``, ``threshold/maxq3``: the peak levels used.
* ``cIoU_mean@<rule>`` (rule in <fixed>, max, max10, maxq3): mean ciou of the
  positive map cut at that level against the ground truth (a NaN ciou, empty ground
  truth and nothing predicted, counts 0).
* ``AUC@<rule>`` (same rules): area under the share of clips with ``ciou >= t``,
  t = 0, 0.05, ..., 1.
* ``pIA/<kind>@<rule>`` (rule in <fixed>, median, adaptive, max, max10, maxq3): mean
  fraction of the frame the negative map lights up (lower is better).
* ``AOC/<kind>@<rule>`` (same rules): area under the share of clips with
  ``pIA <= t``, t = 0, 0.05, ..., 1 (higher is better).
* ``IoU/pos-<kind>@<rule>`` (rule in <fixed>, adaptive, max, max10, maxq3): mean IoU
  of the positive mask and the negative mask under the same rule; an empty negative
  mask scores 0 against a non-empty positive one and 1 when both are empty.
* ``IoU/<kind>-<kind>@<rule>`` (same rules): the same between two negative kinds
  (silence-noise, silence-offscreen, noise-offscreen, those present).
* ``F/pos-<kind>``: harmonic mean of ``cIoU_mean@maxq3`` and ``1 - pIA/<kind>@maxq3``.
* ``F/pos-neg``: harmonic mean of ``cIoU_mean@maxq3`` and the mean over the three
  kinds of ``1 - pIA@maxq3`` (only when all three kinds are given).
* ``F_AUC_AOC/pos-<kind>``, ``F_AUC_AOC/pos-neg``: the same with ``AUC@maxq3`` and
  ``AOC@maxq3``.

Where avloc departs from ``eval.py`` (each the same at its defaults otherwise):

* A harmonic mean of 0 and 0 is 0 (``compute_f`` divides 0 by 0 and reports NaN):
  a model that localises nothing and lights up every negative frame scores the
  worst value, not an undefined one.
* All of a clip's maps are resized alike (``align_corners``). ``eval()`` (EZ-VSL,
  SLAVC, FNAC) resizes the positive maps with ``align_corners=True`` but the
  negative ones with cv2 (``binarized_negatives_thresholds``), so there a negative
  map equal to the positive one does not score IoU 1.
* The fixed-level cIoU uses ``fixed``; ``eval.py`` passes a literal 0.5 to
  ``cal_CIOU`` while its binarisations use ``--threshold``.
"""
from itertools import combinations
from typing import Dict, Mapping, Optional, Tuple, Union

import numpy as np

from avloc.structures.geometry import resize_heatmap
from .ciou import EVAL_SIZE, ciou_auc

NEGATIVE_KINDS = ('silence', 'noise', 'offscreen')
PEAK_RULES = ('max', 'max10', 'maxq3')

# The constants eval.py main() hard-codes for each model's released weights.
PUBLISHED_THRESHOLDS = {
    'ezvsl': dict(max=0.6041, max10=0.6645, maxq3=0.6382),
    'slavc': dict(max=0.5201, max10=0.5721, maxq3=0.5450),
    'fnac': dict(max=0.5311, max10=0.5842, maxq3=0.5538),
    'lvs': dict(max=0.5527, max10=0.6080, maxq3=0.6077),
    'ssltie': dict(max=0.2641, max10=0.2906, maxq3=0.3338),
    'sslalign': dict(max=0.2660, max10=0.2926, maxq3=0.3175),
}

# Working memory of one chunk of clips: the resized maps and the positive's sorted
# copy (float32), the float64 ground truth and ciou temporaries, and the boolean
# masks of one rule. About 64 MiB keeps a whole run under 100 MB whatever N is.
_WORK_BYTES = 64 * 2 ** 20
_PIXEL_BYTES_PER_MAP = 5  # float32 resized map + its boolean mask
_PIXEL_BYTES_FIXED = 32  # sorted positive, float64 ground truth and temporaries

_CIOU_RULES = ('fixed',) + PEAK_RULES
_PIA_RULES = ('fixed', 'median', 'adaptive') + PEAK_RULES
_IOU_RULES = ('fixed', 'adaptive') + PEAK_RULES


def _as_maps(maps, name: str) -> np.ndarray:
    """(N, h, w) finite float32 maps, N >= 1, or a ValueError naming the clip."""
    maps = np.asarray(maps, np.float32)
    if maps.ndim != 3 or 0 in maps.shape:
        raise ValueError(f'{name} must be (N, h, w) with N, h, w >= 1, got shape '
                         f'{maps.shape}')
    bad = ~np.isfinite(maps).all(axis=(1, 2))
    if bad.any():
        raise ValueError(f'{name}: the map of clip {int(np.argmax(bad))} holds NaN or inf')
    return maps


def resize_raw(heatmaps: np.ndarray, size: Union[int, Tuple[int, int]] = EVAL_SIZE,
               align_corners: bool = False) -> np.ndarray:
    """Raw heatmaps resized bilinearly, NOT normalised, as ``eval.py`` does.

    ``align_corners=False`` is OpenCV's ``INTER_LINEAR`` (the public code's SSL-TIE
    positive maps, LVS's on VGG-SS, and every negative map); ``True`` is
    ``F.interpolate(..., align_corners=True)`` (its EZ-VSL, SLAVC and FNAC positive
    maps, and LVS's on the other test sets). See
    :func:`~avloc.structures.geometry.resize_heatmap`.

    Args:
        heatmaps (np.ndarray): (N, h, w) raw maps.
        size (int | tuple[int, int]): H = W = ``size``, or (H, W). Defaults to 224.
        align_corners (bool): See above. Defaults to False.

    Returns:
        np.ndarray: (N, H, W) float32.
    """
    heatmaps = _as_maps(heatmaps, 'heatmaps')
    out_h, out_w = (size, size) if isinstance(size, int) else size
    out = np.empty((len(heatmaps), out_h, out_w), np.float32)
    for i, heatmap in enumerate(heatmaps):
        out[i] = resize_heatmap(heatmap, (out_h, out_w), align_corners)
    return out


def peak_thresholds(heatmaps: np.ndarray) -> Dict[str, float]:
    """The ``max``, ``max10`` and ``maxq3`` levels from a model's positive maps.

    ``max`` is the mean over clips of each raw (unresized) map's maximum, which the
    public code computes and saves (``compute_metrics``' ``max_heatmap``, from
    ``torch.max(htmp)`` per clip); ``max10 = 1.1 * max``, which every constant it
    hard-codes satisfies; ``maxq3`` the 75th percentile of those maxima
    (``np.percentile``, linear interpolation). The public code ships only the
    constants, so mean / Q3 is avloc's reading of where they come from; callers may
    pass the published constants (:data:`PUBLISHED_THRESHOLDS`) instead.

    Args:
        heatmaps (np.ndarray): (N, h, w) raw positive maps (as float32).

    Returns:
        dict[str, float]: ``max``, ``max10`` and ``maxq3``.
    """
    heatmaps = _as_maps(heatmaps, 'heatmaps')
    peaks = heatmaps.reshape(len(heatmaps), -1).max(axis=1).astype(np.float64)
    peak = float(np.mean(peaks))
    return dict(max=peak, max10=1.1 * peak, maxq3=float(np.percentile(peaks, 75)))


def _check_thresholds(thresholds: Mapping[str, float]) -> Dict[str, float]:
    if set(thresholds) != set(PEAK_RULES):
        raise ValueError(f'thresholds must have exactly the keys {PEAK_RULES}, got '
                         f'{sorted(thresholds)}')
    out = {rule: float(thresholds[rule]) for rule in PEAK_RULES}
    if not all(np.isfinite(list(out.values()))):
        raise ValueError(f'thresholds must be finite, got {out}')
    return out


def _area_under_share(values: np.ndarray) -> float:
    """Trapezoid area under ``share(values <= t)`` for t = 0, 0.05, ..., 1 (the
    public ``compute_AUC_pIA``: the thresholds ``0.05 * i`` and the trapezoid rule
    of ``sklearn.metrics.auc``)."""
    thresholds = 0.05 * np.arange(21)
    curve = np.array([np.mean(values <= t) for t in thresholds])
    return float(np.trapezoid(curve, thresholds))


def _harmonic(a: float, b: float) -> float:
    return 2 * (a * b) / (a + b) if a + b > 0 else 0.0


def _ciou_rows(masks: np.ndarray, gt: np.ndarray, gt_sum: np.ndarray,
               gt_zero: np.ndarray) -> np.ndarray:
    """(C, P) masks vs (C, P) float64 ground truth -> (C,) ciou, 0 where 0 / 0."""
    inter = np.where(masks, gt, 0.0).sum(axis=1)
    denom = gt_sum + np.count_nonzero(masks & gt_zero, axis=1)
    return np.divide(inter, denom, out=np.zeros_like(inter), where=denom > 0)


def _iou_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(C, P) masks -> (C,) IoU, 1 where both masks are empty (``compute_IOU_maps``:
    a non-empty mask against an empty one gets 0 / area = 0 by the same formula)."""
    inter = np.count_nonzero(a & b, axis=1).astype(np.float64)
    union = np.count_nonzero(a | b, axis=1)
    return np.divide(inter, union, out=np.ones_like(inter), where=union > 0)


def negative_audio_scores(positive: np.ndarray, negatives: Mapping[str, np.ndarray],
                          gt_maps: np.ndarray,
                          thresholds: Optional[Mapping[str, float]] = None,
                          fixed: float = 0.5, align_corners: bool = False,
                          chunk_size: Optional[int] = None) -> Dict[str, float]:
    """The negative-audio measures of a test set (keys in the module docstring).

    Clips go through in chunks, so the working memory stays under about 100 MB for
    any number of clips (``gt_maps`` is read one chunk at a time; a ``np.memmap``
    works). The public code runs its test set ten times with other random noise and
    offscreen picks and averages over all runs: concatenate the runs' clips to do
    the same.

    Args:
        positive (np.ndarray): (N, h, w) raw maps for each clip's own audio.
        negatives (Mapping[str, np.ndarray]): kind -> (N, h, w) raw maps of the same
            frames with negative audio; any non-empty subset of
            :data:`NEGATIVE_KINDS`.
        gt_maps (np.ndarray): (N, H, W) ground truth in [0, 1] (as
            :func:`~avloc.evaluation.functional.boxes_to_gt_map` makes them, 224 x
            224); the maps are resized to (H, W).
        thresholds (Mapping[str, float], optional): ``max``, ``max10`` and ``maxq3``
            levels; None takes them from ``positive`` (:func:`peak_thresholds`).
            Defaults to None.
        fixed (float): The fixed level. Defaults to 0.5.
        align_corners (bool): Resize of every map (:func:`resize_raw`). Defaults
            to False.
        chunk_size (int, optional): Clips per chunk; None sizes chunks to about
            64 MiB of working memory. Defaults to None.

    Returns:
        dict[str, float]: The measures, fractions in [0, 1].
    """
    positive = _as_maps(positive, 'positive')
    num = len(positive)
    if not negatives:
        raise ValueError(f'negatives must hold at least one of {NEGATIVE_KINDS}')
    unknown = sorted(set(negatives) - set(NEGATIVE_KINDS))
    if unknown:
        raise ValueError(f'unknown negative kinds {unknown}; known: {NEGATIVE_KINDS}')
    kinds = [kind for kind in NEGATIVE_KINDS if kind in negatives]
    neg_raw = {kind: _as_maps(negatives[kind], f'negatives[{kind!r}]') for kind in kinds}
    for kind, maps in neg_raw.items():
        if maps.shape != positive.shape:
            raise ValueError(f'negatives[{kind!r}] has shape {maps.shape}, the positive '
                             f'maps {positive.shape}: one map per clip, same grid')
    if not isinstance(gt_maps, np.ndarray):
        gt_maps = np.asarray(gt_maps)
    if gt_maps.ndim != 3 or len(gt_maps) != num or 0 in gt_maps.shape[1:]:
        raise ValueError(f'gt_maps must be (N={num}, H, W), got shape {gt_maps.shape}')
    peaks = peak_thresholds(positive) if thresholds is None else _check_thresholds(thresholds)
    if not np.isfinite(fixed):
        raise ValueError(f'fixed must be finite, got {fixed}')
    size = gt_maps.shape[1:]
    pixels = size[0] * size[1]
    if chunk_size is None:
        per_clip = pixels * (_PIXEL_BYTES_PER_MAP * (1 + len(kinds)) + _PIXEL_BYTES_FIXED)
        chunk_size = max(1, _WORK_BYTES // per_clip)
    elif int(chunk_size) != chunk_size or chunk_size < 1:
        raise ValueError(f'chunk_size must be a positive integer, got {chunk_size}')

    pairs = [('pos', kind) for kind in kinds] + list(combinations(kinds, 2))
    cious = {rule: np.empty(num) for rule in _CIOU_RULES}
    pia = {(kind, rule): np.empty(num) for kind in kinds for rule in _PIA_RULES}
    iou = {(pair, rule): np.empty(num) for pair in pairs for rule in _IOU_RULES}
    # Fixed and peak levels in float32, as numpy compares float32 maps with a
    # Python float; the per-clip levels are values of the float32 maps themselves.
    levels = dict(fixed=np.float32(fixed), **{r: np.float32(peaks[r]) for r in PEAK_RULES})

    for start in range(0, num, int(chunk_size)):
        stop = min(num, start + int(chunk_size))
        rows = np.arange(stop - start)
        gt = np.asarray(gt_maps[start:stop], np.float64).reshape(len(rows), pixels)
        bad = ~((gt >= 0) & (gt <= 1)).all(axis=1)  # NaN fails both
        if bad.any():
            raise ValueError(f'gt_maps: the map of clip {start + int(np.argmax(bad))} '
                             'has values outside [0, 1]')
        gt_sum, gt_zero = gt.sum(axis=1), gt == 0
        maps = {'pos': resize_raw(positive[start:stop], size, align_corners)}
        maps.update({kind: resize_raw(neg_raw[kind][start:stop], size, align_corners)
                     for kind in kinds})
        maps = {key: value.reshape(len(rows), pixels) for key, value in maps.items()}
        ordered = np.sort(maps['pos'], axis=1)
        area = pixels - np.count_nonzero(gt_zero, axis=1)
        area[area == 0] = pixels // 2
        levels['median'] = ordered[:, pixels // 2, None]
        levels['adaptive'] = ordered[rows, pixels - area, None]
        del ordered

        for rule in _PIA_RULES:
            masks = {key: value > levels[rule] for key, value in maps.items()}
            if rule in _CIOU_RULES:
                cious[rule][start:stop] = _ciou_rows(masks['pos'], gt, gt_sum, gt_zero)
            for kind in kinds:
                pia[kind, rule][start:stop] = np.count_nonzero(masks[kind], axis=1) / pixels
            if rule in _IOU_RULES:
                for pair in pairs:
                    iou[pair, rule][start:stop] = _iou_rows(masks[pair[0]], masks[pair[1]])

    label = dict(fixed=f'{fixed:g}', median='median', adaptive='adaptive',
                 **{rule: rule for rule in PEAK_RULES})
    out = {f'threshold/{rule}': peaks[rule] for rule in PEAK_RULES}
    for rule in _CIOU_RULES:
        out[f'cIoU_mean@{label[rule]}'] = float(np.mean(cious[rule]))
        out[f'AUC@{label[rule]}'] = ciou_auc(cious[rule])[0]
    for kind in kinds:
        for rule in _PIA_RULES:
            out[f'pIA/{kind}@{label[rule]}'] = float(np.mean(pia[kind, rule]))
            out[f'AOC/{kind}@{label[rule]}'] = _area_under_share(pia[kind, rule])
    for pair in pairs:
        for rule in _IOU_RULES:
            out[f'IoU/{pair[0]}-{pair[1]}@{label[rule]}'] = float(np.mean(iou[pair, rule]))

    ciou_q3, auc_q3 = out['cIoU_mean@maxq3'], out['AUC@maxq3']
    for kind in kinds:
        out[f'F/pos-{kind}'] = _harmonic(ciou_q3, 1 - out[f'pIA/{kind}@maxq3'])
        out[f'F_AUC_AOC/pos-{kind}'] = _harmonic(auc_q3, out[f'AOC/{kind}@maxq3'])
    if len(kinds) == len(NEGATIVE_KINDS):
        dark = np.mean([1 - out[f'pIA/{kind}@maxq3'] for kind in kinds])
        out['F/pos-neg'] = _harmonic(ciou_q3, float(dark))
        aoc = np.mean([out[f'AOC/{kind}@maxq3'] for kind in kinds])
        out['F_AUC_AOC/pos-neg'] = _harmonic(auc_q3, float(aoc))
    return out
