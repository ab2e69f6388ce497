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
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import combinations
from typing import Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from .batched import count_rows, kth_smallest, resize_rows, scoring_threads
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

# Clips per chunk. A chunk's buffers take about 1.1 MB a clip with three negative
# kinds (four resized float32 maps and their masks), so a thread works on about
# 9 MB, within a shared cache; larger chunks are slower, smaller ones spend more
# time in Python. Each of up to four threads has its own.
CHUNK_SIZE = 8

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
    out = np.empty((len(heatmaps), out_h * out_w), np.float32)
    resize_rows(heatmaps, out, (out_h, out_w), align_corners)
    return out.reshape(len(heatmaps), out_h, out_w)


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


def _pack(masks: np.ndarray) -> np.ndarray:
    """(..., P) bool -> (..., ceil(P / 8)) uint8, eight pixels a byte: an AND and a
    count of two packed masks read an eighth of the bytes of the masks."""
    return np.packbits(masks, axis=-1)


def _count_bits(packed: np.ndarray) -> np.ndarray:
    """(..., W) packed masks -> (...) int64, the pixels set in each."""
    if packed.shape[-1] % 8 == 0:  # eight bytes at a time where the rows allow
        packed = packed.view(np.uint64)
    return np.bitwise_count(packed).sum(axis=-1, dtype=np.int64)


@dataclass
class _Truth:
    """One chunk's ground truth, ready for counting.

    Attributes:
        nonzero (np.ndarray): (B, W) packed, the pixels above 0 (the ciou's G).
        area (np.ndarray): (B,) int64, their number (the adaptive rule's |G|).
        total (np.ndarray): (B,) float64, each map's sum.
        halves (np.ndarray, optional): (B, W) packed, the pixels at 0.5 of maps
            holding only 0, 0.5 and 1; None when there are none.
        maps (np.ndarray, optional): (B, P) float64, kept when a map holds other
            values (its ciou's intersection is then a float sum); None otherwise.
    """

    nonzero: np.ndarray
    area: np.ndarray
    total: np.ndarray
    halves: Optional[np.ndarray] = None
    maps: Optional[np.ndarray] = None


class _Workspace:
    """The per-pixel buffers of one chunk, reused chunk after chunk by one thread."""

    def __init__(self, num_maps: int, rows: int, pixels: int) -> None:
        self.maps = np.empty((num_maps, rows, pixels), np.float32)
        self.masks = np.empty((num_maps, rows, pixels), bool)
        self.scratch, self.spare = (np.empty((rows, pixels), bool) for _ in range(2))


def _prepare_truth(gt: np.ndarray, start: int, work: _Workspace) -> _Truth:
    """(B, P) ground truth -> :class:`_Truth`, or a ValueError naming the first
    clip (``start`` is the chunk's first) with values outside [0, 1].

    A map of only 0, 0.5 and 1 (box unions, annotator consensus, masks) makes every
    sum of the ciou an integer or a half far below 2 ** 53, so counts of ANDed
    masks give the float sums' numbers exactly; other maps keep their float64
    values.
    """
    rows = len(gt)
    # the masks go through two of the maps' mask buffers, free until the comparisons
    nonzero, halves = work.masks[0, :rows], work.masks[1, :rows]
    ones = work.scratch[:rows]
    np.not_equal(gt, 0, out=nonzero)
    np.equal(gt, 0.5, out=halves)
    np.equal(gt, 1, out=ones)
    area, num_halves = count_rows(nonzero), count_rows(halves)
    # ones and halves are disjoint parts of nonzero (NaN is in nonzero alone)
    if np.all(count_rows(ones) + num_halves == area):
        return _Truth(_pack(nonzero), area, area - 0.5 * num_halves,
                      _pack(halves) if num_halves.any() else None)
    maps = gt.astype(np.float64)
    bad = ~((maps >= 0) & (maps <= 1)).all(axis=1)  # NaN fails both
    if bad.any():
        raise ValueError(f'gt_maps: the map of clip {start + int(np.argmax(bad))} has '
                         'values outside [0, 1]')
    return _Truth(_pack(nonzero), area, maps.sum(axis=1), maps=maps)


def _cious(pred: np.ndarray, packed: np.ndarray, num_pred: np.ndarray,
           truth: _Truth) -> np.ndarray:
    """(B, P) bool predictions, packed, with their (B,) counts -> (B,) ciou against
    the chunk's ground truth, 0 where it is 0 / 0 (as ``eval.py`` counts the NaN)."""
    on_gt = _count_bits(packed & truth.nonzero)
    if truth.maps is not None:
        inter = np.where(pred, truth.maps, 0.0).sum(axis=1)
    else:
        inter = on_gt.astype(np.float64)
        if truth.halves is not None:
            inter -= 0.5 * _count_bits(packed & truth.halves)
    denom = truth.total + (num_pred - on_gt)  # sum(G) + the predicted pixels off G
    return np.divide(inter, denom, out=np.zeros_like(inter), where=denom > 0)


class _ChunkScorer:
    """Per-clip cious, pIAs and IoUs of one test set, a chunk of clips per call.

    Calls may come from several threads at once: each thread has its own
    workspace, each chunk writes its own rows of the outputs, and ``gt_maps`` is
    read by one thread at a time (a lazy object drawing the maps on demand need
    not be thread-safe).

    Args:
        maps (dict[str, np.ndarray]): 'pos' and each negative kind -> (N, h, w)
            float32 raw maps.
        gt_maps (np.ndarray): (N, H, W) ground truth, or an object whose slices
            give those rows (see :func:`negative_audio_scores`).
        levels (dict[str, np.float32]): The fixed and peak levels.
        chunk_size (int): Clips per call.
        align_corners (bool): Resize of every map.
    """

    def __init__(self, maps: Dict[str, np.ndarray], gt_maps, levels: Dict[str, np.float32],
                 chunk_size: int, align_corners: bool) -> None:
        self.raw = maps
        self.keys = list(maps)  # 'pos' first, then the kinds
        self.kinds = self.keys[1:]
        self.pairs = [('pos', kind) for kind in self.kinds] + list(combinations(self.kinds, 2))
        # each pair's two maps, as positions in keys
        self.left, self.right = (np.array([self.keys.index(pair[i]) for pair in self.pairs])
                                 for i in (0, 1))
        self.gt_maps = gt_maps
        self.size = tuple(gt_maps.shape[1:])
        self.pixels = self.size[0] * self.size[1]
        self.levels = levels
        self.chunk_size = chunk_size
        self.align_corners = align_corners
        num = len(maps['pos'])
        self.cious = {rule: np.empty(num) for rule in _CIOU_RULES}
        self.pia = {(kind, rule): np.empty(num) for kind in self.kinds for rule in _PIA_RULES}
        self.iou = {(pair, rule): np.empty(num) for pair in self.pairs for rule in _IOU_RULES}
        self._local = threading.local()
        self._read_lock = threading.Lock()

    def _workspace(self) -> _Workspace:
        if not hasattr(self._local, 'work'):
            self._local.work = _Workspace(len(self.keys), self.chunk_size, self.pixels)
        return self._local.work

    def _truth(self, start: int, stop: int, work: _Workspace) -> _Truth:
        with self._read_lock:
            gt = np.asarray(self.gt_maps[start:stop])
            if gt.shape != (stop - start, *self.size):
                raise ValueError(f'gt_maps[{start}:{stop}] has shape {gt.shape}, expected '
                                 f'{(stop - start, *self.size)}')
            # the truth holds copies and masks only, no view of what gt_maps lent
            return _prepare_truth(gt.reshape(stop - start, self.pixels), start, work)

    def __call__(self, start: int) -> None:
        """Score clips ``start`` to ``start + chunk_size`` into the outputs."""
        stop = min(len(self.raw['pos']), start + self.chunk_size)
        rows, pixels, index = stop - start, self.pixels, slice(start, stop)
        work = self._workspace()
        truth = self._truth(start, stop, work)
        maps, masks = work.maps[:, :rows], work.masks[:, :rows]  # (K, B, P)
        for j, key in enumerate(self.keys):
            resize_rows(self.raw[key][start:stop], maps[j], self.size, self.align_corners)
        # The per-clip levels are values of the clip's resized positive map: its
        # (H*W // 2)-th smallest and its |G|-th largest (H*W // 2 for an empty G).
        area = np.where(truth.area > 0, truth.area, pixels // 2)
        ranks = dict(median=np.full(rows, pixels // 2), adaptive=pixels - area)
        levels = dict(self.levels, **{
            rule: kth_smallest(maps[0], rank, work.scratch[:rows], work.spare[:rows])[:, None]
            for rule, rank in ranks.items()})
        for rule in _PIA_RULES:
            # the positive map's mask at the median level enters no measure
            first = 0 if rule in _IOU_RULES else 1
            np.greater(maps[first:], levels[rule], out=masks[first:])
            packed = _pack(masks[first:])  # (K - first, B, W)
            counts = _count_bits(packed)  # (K - first, B)
            for j, kind in enumerate(self.kinds, 1 - first):
                self.pia[kind, rule][index] = counts[j] / pixels
            if rule in _CIOU_RULES:
                self.cious[rule][index] = _cious(masks[0], packed[0], counts[0], truth)
            if rule in _IOU_RULES:
                inter = _count_bits(packed[self.left] & packed[self.right])  # (pairs, B)
                union = counts[self.left] + counts[self.right] - inter
                # an empty mask against an empty one is the same mask: IoU 1
                iou = np.divide(inter.astype(np.float64), union, out=np.ones(union.shape),
                                where=union > 0)
                for pair, values in zip(self.pairs, iou):
                    self.iou[pair, rule][index] = values


def _run_chunks(scorer: _ChunkScorer, starts: List[int]) -> None:
    """``scorer(start)`` for every start, in up to
    :func:`~.batched.scoring_threads` threads (numpy, OpenCV and torch release
    the interpreter lock for their array work)."""
    threads = min(scoring_threads(), len(starts))
    if threads <= 1:
        for start in starts:
            scorer(start)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix='negative-audio') as pool:
        futures = [pool.submit(scorer, start) for start in starts]
        try:
            for future in futures:  # in order: the first failing chunk's error
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def negative_audio_scores(positive: np.ndarray, negatives: Mapping[str, np.ndarray],
                          gt_maps: np.ndarray,
                          thresholds: Optional[Mapping[str, float]] = None,
                          fixed: float = 0.5, align_corners: bool = False,
                          chunk_size: Optional[int] = None) -> Dict[str, float]:
    """The negative-audio measures of a test set (keys in the module docstring).

    Clips go through in chunks of :data:`CHUNK_SIZE`, in as many threads as
    :func:`~avloc.evaluation.functional.batched.scoring_threads` gives (torch's
    intra-op setting, at most 4), so the working memory stays under about 100 MB
    for any number of clips (``gt_maps`` is read one chunk at a time, by one
    thread at a time; a ``np.memmap`` works). Each map is resized once; the
    per-clip levels come from
    :func:`~avloc.evaluation.functional.batched.kth_smallest` instead of a sort,
    and every measure is a count of packed masks or of their AND (the ciou's
    intersection too, where the ground truth holds only 0, 0.5 and 1), which
    gives the float sums' numbers exactly. The public code runs its test set ten
    times with other random noise and offscreen picks and averages over all runs:
    concatenate the runs' clips to do the same.

    Args:
        positive (np.ndarray): (N, h, w) raw maps for each clip's own audio.
        negatives (Mapping[str, np.ndarray]): kind -> (N, h, w) raw maps of the same
            frames with negative audio; any non-empty subset of
            :data:`NEGATIVE_KINDS`.
        gt_maps (np.ndarray): (N, H, W) ground truth in [0, 1] (as
            :func:`~avloc.evaluation.functional.boxes_to_gt_map` makes them, 224 x
            224); the maps are resized to (H, W). Any object with ``shape`` whose
            slices ``gt_maps[start:stop]`` give those rows as an array will do (so
            that a caller can draw each chunk's maps when it is needed).
        thresholds (Mapping[str, float], optional): ``max``, ``max10`` and ``maxq3``
            levels; None takes them from ``positive`` (:func:`peak_thresholds`).
            Defaults to None.
        fixed (float): The fixed level. Defaults to 0.5.
        align_corners (bool): Resize of every map (:func:`resize_raw`). Defaults
            to False.
        chunk_size (int, optional): Clips per chunk (about 1.1 MB each with three
            kinds, per thread); None is :data:`CHUNK_SIZE`. Defaults to None.

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
    if not hasattr(gt_maps, 'shape'):  # arrays, memmaps and lazy chunked maps pass
        gt_maps = np.asarray(gt_maps)
    if gt_maps.ndim != 3 or len(gt_maps) != num or 0 in gt_maps.shape[1:]:
        raise ValueError(f'gt_maps must be (N={num}, H, W), got shape {gt_maps.shape}')
    peaks = peak_thresholds(positive) if thresholds is None else _check_thresholds(thresholds)
    if not np.isfinite(fixed):
        raise ValueError(f'fixed must be finite, got {fixed}')
    if chunk_size is None:
        chunk_size = CHUNK_SIZE
    elif int(chunk_size) != chunk_size or chunk_size < 1:
        raise ValueError(f'chunk_size must be a positive integer, got {chunk_size}')
    chunk_size = int(chunk_size)

    # Fixed and peak levels in float32, as numpy compares float32 maps with a
    # Python float; the per-clip levels are values of the float32 maps themselves.
    levels = dict(fixed=np.float32(fixed), **{r: np.float32(peaks[r]) for r in PEAK_RULES})
    scorer = _ChunkScorer(dict(pos=positive, **neg_raw), gt_maps, levels, chunk_size,
                          align_corners)
    _run_chunks(scorer, list(range(0, num, chunk_size)))
    cious, pia, iou, pairs = scorer.cious, scorer.pia, scorer.iou, scorer.pairs

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
