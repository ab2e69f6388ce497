"""Many clips at once under a cIoU protocol, with the per-clip numbers to the last bit.

:meth:`~.protocols.LocalizationProtocol.predict` and :func:`~.ciou.ciou` score one
clip: resize, normalise, a full selection (``np.partition``) for the threshold, then
float sums over the frame. :class:`BatchScorer` scores a chunk of clips with
whole-array operations and finds each threshold without a full selection; its
predictions and cious equal theirs exactly (``tests/test_evaluation/test_batched.py``
compares them clip by clip). Why they are equal:

* Every normalisation is a non-decreasing float32 function ``f`` of the resized
  value (each step is a correctly rounded subtraction or division), evaluated here
  by the same float32 operations as the per-clip code. So the k-th smallest
  normalised value is ``f`` of the k-th smallest resized value, and a rule on the
  normalised map (``f(x) > t``, ``>=``, ``> value``, LVS's pixels at 1) keeps exactly
  the resized values at or above one cut: the smallest float32 that passes, found
  by a search over the float32 order. The normalised map is never built.
* The k-th smallest resized value of each row comes from a sampled bracket: a
  strided sample is sorted, the sample values a margin either side of the target
  rank bound it, two counts check that it lies between them, and only the values
  inside are selected from. A row whose bracket misses tries a wider one, then
  ``np.partition`` (as does a large tie): the bracket only decides the speed.
* A ground-truth map whose values are 0, 0.5 or 1 (box unions, annotator consensus,
  masks) makes every sum in ``ciou`` exact (integers and halves far below 2 ** 24),
  so counts of bool ANDs give the same float64 numbers. A map with other values is
  scored by :func:`~.ciou.ciou` clip by clip.

Fresh arrays of a chunk's size cost more in page faults than the arithmetic on
them, so a scorer keeps its work buffers from one chunk to the next; it is not
thread-safe (one scorer a thread).
"""
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

import cv2
import numpy as np
import torch

from .ciou import EVAL_SIZE, ciou
from .protocols import LocalizationProtocol, get_protocol

NUM_PIXELS = EVAL_SIZE * EVAL_SIZE
# Sample every 31st pixel: 31 is prime to the 224-pixel rows, so the sample visits
# every column instead of a few (a stride dividing 224 samples whole columns).
SAMPLE_STRIDE = 31
# Sample ranks either side of the target. On upsampled random 14x14 maps the
# sample's rank error has a standard deviation of about 6 (stayed below 20 on 2,000
# maps): the narrow bracket misses a few rows in ten, which the wide one then
# catches. The narrower the bracket, the fewer values to extract and select from.
SAMPLE_MARGIN = 10
WIDE_SAMPLE_MARGIN = 48
# A bracket holding more values than this (a tie over a large area) is
# selected by np.partition: extracting it would cost more than the selection.
MAX_BRACKET = NUM_PIXELS // 8
# Values tried at once per row and step of the search for the prediction's cut.
SEARCH_PROBES = 32

# Threads that map_chunks' callers start at most: their buffers cost about 18 MB
# each at the default chunk size.
MAX_SCORING_THREADS = 4
# torch's own thread pool, entered from several threads at once, oversubscribes
# the cores; the batched resizes of align_corners protocols take turns.
_TORCH_LOCK = threading.Lock()

HeatmapBatch = Union[np.ndarray, Sequence[np.ndarray]]
Result = TypeVar('Result')


def count_rows(mask: np.ndarray) -> np.ndarray:
    """(B, M) bool -> (B,) int64, the True values of each row (``np.count_nonzero``
    row by row: its byte-counting loop is several times faster than the
    ``axis=1`` reduction)."""
    return np.fromiter(map(np.count_nonzero, mask), np.int64, len(mask))


def _float_keys(values: np.ndarray) -> np.ndarray:
    """float32 -> int64 keys in the same order (-0.0 and 0.0 share key 0)."""
    bits = np.asarray(values, np.float32).view(np.uint32).astype(np.int64)
    return np.where(bits >= 2 ** 31, -(bits - 2 ** 31), bits)


def _from_keys(keys: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_float_keys`."""
    bits = np.where(keys < 0, 2 ** 31 - keys, keys).astype(np.uint32)
    return bits.view(np.float32)


@dataclass
class GroundTruthBatch:
    """B ground-truth maps, prepared once for scoring any number of predictions.

    Attributes:
        nonzero (np.ndarray): (B, 224 * 224) bool, the pixels where the map is not
            0 (the ciou's G).
        halves (np.ndarray, optional): (B, 224 * 224) bool, the pixels at 0.5;
            None when there are none.
        total (np.ndarray): (B,) float64, each map's sum as :func:`ciou` adds it.
        area (np.ndarray): (B,) int64, the pixels above 0 (the adaptive rules'
            |G| before the empty-map default).
        exact (bool): Every value is 0, 0.5 or 1, so cious come from counts.
        maps (np.ndarray, optional): (B, 224, 224) as given, kept when not
            ``exact`` (scored clip by clip); None otherwise (the masks hold them).
    """

    nonzero: np.ndarray
    halves: Optional[np.ndarray]
    total: np.ndarray
    area: np.ndarray
    exact: bool = True
    maps: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.nonzero)

    def gt_maps(self) -> np.ndarray:
        """(B, 224, 224) float32 maps: as given, or, from boxes, the maps
        :func:`~.ciou.boxes_to_gt_map` draws (1 on G, 0.5 on the halves)."""
        if self.maps is not None:
            return self.maps
        maps = self.nonzero.astype(np.float32)
        if self.halves is not None:
            maps[self.halves] = 0.5
        return maps.reshape(-1, EVAL_SIZE, EVAL_SIZE)

    def rows(self, index: Union[slice, np.ndarray]) -> 'GroundTruthBatch':
        """The maps ``index`` selects (views for a slice)."""
        return GroundTruthBatch(self.nonzero[index],
                                None if self.halves is None else self.halves[index],
                                self.total[index], self.area[index], self.exact,
                                None if self.maps is None else self.maps[index])

    def take(self, index: np.ndarray) -> 'GroundTruthBatch':
        """The maps at the integer positions ``index`` (copies)."""
        return self.rows(np.asarray(index, np.int64))


def _lowest_passing(low: np.ndarray, high: np.ndarray,
                    passes: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Per row, the smallest float32 y in [low, high] with ``passes(y)``: -inf when
    ``low`` passes, +inf when ``high`` does not. ``passes`` maps (B, P) float32 to
    (B, P) bool and, once true along a row, stays true for larger y, so
    ``x >= cut`` is ``passes(x)`` for every x of the row.

    A search over the float32 order: each step tries SEARCH_PROBES - 1 evenly
    spaced values of every row's open interval (in one vectorised call), so the
    2 ** 32 float32 values take at most 7 steps.
    """
    lo_key, hi_key = _float_keys(low), _float_keys(high)
    ends = passes(np.stack([low, high], axis=1))
    all_pass, none_pass = ends[:, 0], ~ends[:, 1]
    # invariant: passes(lo) is False and passes(hi) is True
    lo_key = np.where(all_pass | none_pass, hi_key, lo_key)
    fractions = np.arange(1, SEARCH_PROBES)
    rows = np.arange(len(low))
    while True:
        gap = hi_key - lo_key
        if not np.any(gap > 1):
            break
        probes = lo_key[:, None] + gap[:, None] * fractions // SEARCH_PROBES  # (B, P)
        failed = np.count_nonzero(~passes(_from_keys(probes)), axis=1)  # a prefix
        lo_key = np.where(failed > 0, probes[rows, np.maximum(failed - 1, 0)], lo_key)
        hi_key = np.where(failed < len(fractions),
                          probes[rows, np.minimum(failed, len(fractions) - 1)], hi_key)
    cut = _from_keys(hi_key)
    cut[all_pass] = -np.inf
    cut[none_pass] = np.inf
    return cut


class _Workspace:
    """The per-pixel buffers of one chunk, reused chunk after chunk."""

    def __init__(self, rows: int) -> None:
        self.resized = np.empty((rows, NUM_PIXELS), np.float32)
        self.below = np.empty((rows, NUM_PIXELS), bool)
        self.upto = np.empty((rows, NUM_PIXELS), bool)
        self.pred = np.empty((rows, NUM_PIXELS), bool)
        self.scratch = np.empty((rows, NUM_PIXELS), bool)


class BatchScorer:
    """Predictions and cious of many heatmaps under one protocol, chunk by chunk.

    The same numbers as ``protocol.predict`` and :func:`ciou` clip by clip (see the
    module docstring), in a small fraction of the time.

    Args:
        protocol (str | dict | LocalizationProtocol): As :func:`get_protocol` takes.
        chunk_size (int): Clips per chunk; the buffers take about 0.55 MB a clip
            (18 MB at the default, where the chunk's arrays stay in cache).
            Defaults to 32.
    """

    def __init__(self, protocol: Union[str, dict, LocalizationProtocol] = 'lvs',
                 chunk_size: int = 32) -> None:
        if chunk_size < 1:
            raise ValueError(f'chunk_size must be at least 1, got {chunk_size}')
        self.protocol = get_protocol(protocol)
        self.chunk_size = chunk_size
        self._work: Optional[_Workspace] = None
        self._truth_buffers: Optional[tuple] = None

    def release(self) -> None:
        """Free the work buffers (they come back on the next call)."""
        self._work = None
        self._truth_buffers = None

    def _workspace(self) -> _Workspace:
        if self._work is None:
            self._work = _Workspace(self.chunk_size)
        return self._work

    # ------------------------------------------------------------ ground truth
    def _truth_masks(self, rows: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Three (rows, 224 * 224) bool arrays: the scorer's reused buffers for up
        to ``chunk_size`` rows, fresh ones beyond."""
        if rows > self.chunk_size:
            return tuple(np.empty((rows, NUM_PIXELS), bool) for _ in range(3))
        if self._truth_buffers is None:
            self._truth_buffers = tuple(np.empty((self.chunk_size, NUM_PIXELS), bool)
                                        for _ in range(3))
        return tuple(buf[:rows] for buf in self._truth_buffers)

    def ground_truth(self, gt_maps: np.ndarray) -> GroundTruthBatch:
        """Prepare (B, 224, 224) ground-truth maps for scoring.

        Up to ``chunk_size`` maps are prepared in the scorer's buffers: the result is
        valid until the next call. More maps get arrays of their own.
        """
        maps = np.asarray(gt_maps)
        if maps.ndim != 3 or maps.shape[1:] != (EVAL_SIZE, EVAL_SIZE):
            raise ValueError(f'ground-truth maps must be (B, {EVAL_SIZE}, {EVAL_SIZE}), '
                             f'got shape {maps.shape}')
        flat = maps.reshape(len(maps), NUM_PIXELS)
        nonzero, ones, halves = self._truth_masks(len(maps))
        np.not_equal(flat, 0, out=nonzero)
        np.equal(flat, 1, out=ones)
        np.equal(flat, 0.5, out=halves)
        num_nonzero = count_rows(nonzero)
        num_halves = count_rows(halves)
        # ones and halves are disjoint parts of nonzero: their counts add up to it
        # when no other value occurs.
        if np.all(count_rows(ones) + num_halves == num_nonzero):
            return GroundTruthBatch(nonzero, halves if num_halves.any() else None,
                                    num_nonzero - 0.5 * num_halves, num_nonzero)
        total = np.array([m.sum() for m in maps], np.float64)
        return GroundTruthBatch(nonzero, None, total, count_rows(flat > 0), exact=False,
                                maps=maps)

    def ground_truth_from_boxes(self, boxes: Sequence[np.ndarray],
                                rule: str = 'union') -> GroundTruthBatch:
        """:meth:`ground_truth` of ``[boxes_to_gt_map(b, rule=rule) for b in
        boxes]``, drawn straight into bool masks (no float maps).

        Args:
            boxes (Sequence[np.ndarray]): B arrays of (n_i, 4) normalised boxes.
            rule (str): 'union' or 'consensus', as :func:`~.ciou.boxes_to_gt_map`.
                Defaults to 'union'.
        """
        if rule not in ('union', 'consensus'):
            raise ValueError(f"rule must be 'union' or 'consensus', got {rule!r}")
        covered, twice, halves = self._truth_masks(len(boxes))
        covered[...] = False
        grid = covered.reshape(-1, EVAL_SIZE, EVAL_SIZE)
        arrays = [np.asarray(b, np.float64).reshape(-1, 4) for b in boxes]
        owners = np.repeat(np.arange(len(arrays)), [len(b) for b in arrays]).tolist()
        # boxes_to_gt_map's pixel coordinates, for every box of the chunk at once
        corners = (np.clip(np.concatenate(arrays) if arrays else np.zeros((0, 4)), 0, 1)
                   * EVAL_SIZE).astype(int).tolist()
        if rule == 'union':
            for i, (x1, y1, x2, y2) in zip(owners, corners):
                grid[i, y1:y2, x1:x2] = True
            area = count_rows(covered)
            return GroundTruthBatch(covered, None, area.astype(np.float64), area)
        # consensus: min(count / 2, 1) is 0.5 where one box covers a pixel, 1 where
        # two or more do
        twice[...] = False
        again = twice.reshape(-1, EVAL_SIZE, EVAL_SIZE)
        for i, (x1, y1, x2, y2) in zip(owners, corners):
            again[i, y1:y2, x1:x2] |= grid[i, y1:y2, x1:x2]
            grid[i, y1:y2, x1:x2] = True
        np.not_equal(covered, twice, out=halves)  # covered once (twice is inside)
        area, num_halves = count_rows(covered), count_rows(halves)
        return GroundTruthBatch(covered, halves if num_halves.any() else None,
                                area - 0.5 * num_halves, area)

    # ------------------------------------------------------------ scoring
    def cious(self, heatmaps: HeatmapBatch,
              truth: Union[GroundTruthBatch, np.ndarray]) -> np.ndarray:
        """ciou of heatmap i against ground-truth map i.

        Args:
            heatmaps: N raw (h, w) heatmaps, an (N, h, w) array or a sequence.
            truth: N ground-truth maps, (N, 224, 224) (prepared a chunk at a time)
                or from :meth:`ground_truth`.

        Returns:
            np.ndarray: (N,) float64, NaN where :func:`ciou` is NaN.
        """
        out = np.empty(len(heatmaps), np.float64)
        for index, part in self._truth_chunks(truth, len(heatmaps)):
            out[index] = self._chunk_cious(self._predict_chunk(heatmaps[index], part), part)
        return out

    def predict(self, heatmaps: HeatmapBatch,
                truth: Union[GroundTruthBatch, np.ndarray, None] = None) -> np.ndarray:
        """(N, 224, 224) bool predictions, ``protocol.predict`` of each heatmap.
        ``truth`` is read only by the adaptive rules, for the area."""
        if truth is None and self.protocol.reads_gt:
            raise ValueError(f'protocol {self.protocol.name!r} keeps as many pixels as '
                             'the ground truth covers: pass truth')
        out = np.empty((len(heatmaps), EVAL_SIZE, EVAL_SIZE), bool)
        for index, part in self._truth_chunks(truth, len(heatmaps)):
            pred = self._predict_chunk(heatmaps[index], part)
            out[index] = pred.reshape(-1, EVAL_SIZE, EVAL_SIZE)
        return out

    def fixed_cious(self, heatmap: np.ndarray,
                    truth: Union[GroundTruthBatch, np.ndarray]) -> np.ndarray:
        """ciou of one heatmap (such as the centre prior) against every map of
        ``truth``: predicted once, unless the protocol reads the ground truth."""
        if not self.protocol.reads_gt:
            return self.prediction_cious(self.protocol.predict(heatmap), truth)
        num = len(truth)
        return self.cious(np.broadcast_to(heatmap, (num, *np.shape(heatmap))), truth)

    def prediction_cious(self, pred: np.ndarray,
                         truth: Union[GroundTruthBatch, np.ndarray]) -> np.ndarray:
        """ciou of one (224, 224) bool prediction against every map of ``truth``."""
        flat = np.ascontiguousarray(pred, bool).reshape(1, NUM_PIXELS)
        out = np.empty(len(truth), np.float64)
        for index, part in self._truth_chunks(truth, len(truth)):
            out[index] = self._chunk_cious(np.broadcast_to(flat, (len(part), NUM_PIXELS)),
                                           part)
        return out

    def _truth_chunks(self, truth: Union[GroundTruthBatch, np.ndarray, None],
                      num: int) -> Iterator[Tuple[slice, Optional[GroundTruthBatch]]]:
        """(slice, ground truth) of each chunk of ``num`` clips: rows of a prepared
        batch, or raw maps prepared a chunk at a time (None stays None)."""
        if truth is not None and len(truth) != num:
            raise ValueError(f'{num} heatmaps but {len(truth)} ground-truth maps')
        for start in range(0, num, self.chunk_size):
            index = slice(start, start + self.chunk_size)
            if truth is None or isinstance(truth, GroundTruthBatch):
                yield index, None if truth is None else truth.rows(index)
            else:
                yield index, self.ground_truth(truth[index])

    def _chunk_cious(self, pred: np.ndarray, truth: GroundTruthBatch) -> np.ndarray:
        """(B, N) bool predictions -> (B,) cious against the chunk's maps."""
        if not truth.exact:
            return np.array([ciou(p.reshape(EVAL_SIZE, EVAL_SIZE), m)
                             for p, m in zip(pred, truth.gt_maps())], np.float64)
        work = self._workspace()
        rows = len(pred)
        both = np.logical_and(pred, truth.nonzero, out=work.scratch[:rows])
        on_gt = count_rows(both)
        inter = on_gt.astype(np.float64)
        if truth.halves is not None:
            np.logical_and(pred, truth.halves, out=both)
            inter -= 0.5 * count_rows(both)
        if pred.strides[0] == 0:  # one prediction against every map
            num_pred = np.full(rows, count_rows(pred[:1])[0])
        else:
            num_pred = count_rows(pred)
        denom = truth.total + (num_pred - on_gt)
        with np.errstate(invalid='ignore', divide='ignore'):
            return np.where(denom > 0, inter / denom, np.nan)

    def confidences(self, heatmaps: HeatmapBatch, top_fraction: float = 0.25) -> np.ndarray:
        """(N,) float64 :func:`~.extended.confidence_score` of each raw heatmap: the
        mean of its top quarter, mapped from [-1, 1] to [0, 1].

        The top values come from the k-th largest (a sampled selection) and a sort
        of those alone, in the order the per-clip full sort leaves them, so their
        float32 mean is the per-clip one to the last bit.
        """
        num_top = max(1, int(round(NUM_PIXELS * top_fraction)))
        out = np.empty(len(heatmaps), np.float64)
        for start in range(0, len(heatmaps), self.chunk_size):
            resized = self._resize_chunk(heatmaps[start:start + self.chunk_size],
                                         align_corners=False)
            ranks = np.full(len(resized), NUM_PIXELS - num_top, np.int64)
            cuts = self._kth_smallest(resized, ranks)
            for i, (row, cut) in enumerate(zip(resized, cuts)):
                above = np.sort(row[row > cut])
                # sorted values[-num_top:]: the ties at the cut, then what is above
                top = np.full(num_top, cut, np.float32)
                top[num_top - len(above):] = above
                out[start + i] = float((top.mean() + 1) / 2)
        return out

    # ------------------------------------------------------------ prediction
    def _resize_chunk(self, heatmaps: HeatmapBatch,
                      align_corners: Optional[bool] = None) -> np.ndarray:
        """(B, h, w) raw heatmaps -> (B, 224 * 224) float32 in the workspace, each
        exactly :func:`~avloc.structures.geometry.resize_heatmap`'s (with the
        protocol's ``align_corners`` unless given)."""
        out = self._workspace().resized[:len(heatmaps)]
        if align_corners is None:
            align_corners = self.protocol.align_corners
        return resize_rows(heatmaps, out, (EVAL_SIZE, EVAL_SIZE), align_corners)

    def _normalizer(self, low: np.ndarray, high: np.ndarray
                    ) -> Callable[[np.ndarray], np.ndarray]:
        """f: (B, P) float32 resized values -> their normalised values, row i with
        its map's min ``low[i]`` and max ``high[i]``, by the per-clip code's float32
        steps (:func:`~.ciou.minmax_normalize`, :func:`~.ciou.lvs_normalize`)."""
        low, high = low[:, None], high[:, None]
        if self.protocol.normalize == 'minmax':
            spread = high > low
            span = np.where(spread, high - low, np.float32(1))

            def minmax(values: np.ndarray) -> np.ndarray:
                return np.where(spread, (values - low) / span, np.float32(0))
            return minmax
        # lvs_normalize: min(-x) is -max(x) exactly (negation is exact; a zero's sign
        # changes no comparison below).
        flip_low, flip_high = -high, -low
        flip_span = flip_high - flip_low
        scaled = flip_span != 0
        span = np.where(scaled, flip_span, np.float32(1))

        def flip(values: np.ndarray) -> np.ndarray:
            flipped = -values
            return 1 - np.where(scaled, (flipped - flip_low) / span, flipped)
        return flip

    def _passes(self, norm: np.ndarray, threshold: Optional[np.ndarray]) -> np.ndarray:
        """The protocol's rule on (B, P) normalised values with the (B, 1) threshold
        of each row, as :meth:`~.protocols.LocalizationProtocol.threshold_map`
        applies it."""
        cut = self.protocol.value if threshold is None else threshold
        passed = norm >= cut if self.protocol.inclusive else norm > cut
        if self.protocol.keeps_max:
            passed |= norm >= 1
        return passed

    def _predict_chunk(self, heatmaps: HeatmapBatch,
                       truth: Optional[GroundTruthBatch]) -> np.ndarray:
        """(B, h, w) heatmaps -> (B, 224 * 224) bool predictions (a workspace view)."""
        work = self._workspace()
        resized = self._resize_chunk(heatmaps)
        rows = len(resized)
        low, high = resized.min(axis=1), resized.max(axis=1)
        normalize = self._normalizer(low, high)
        if self.protocol.threshold == 'absolute':
            threshold = None
        else:
            if self.protocol.threshold == 'median':
                ranks = np.full(rows, NUM_PIXELS // 2, np.int64)
            else:
                if truth is None:
                    raise ValueError(f'protocol {self.protocol.name!r} keeps as many '
                                     'pixels as the ground truth covers: pass truth')
                # adaptive_area: the pixels above 0, or N // 2 for an empty map
                area = np.where(truth.area > 0, truth.area, NUM_PIXELS // 2)
                ranks = NUM_PIXELS - area
            # the k-th smallest normalised value is f of the k-th smallest value
            threshold = normalize(self._kth_smallest(resized, ranks)[:, None])
        cut = _lowest_passing(low, high, lambda y: self._passes(normalize(y), threshold))
        return np.greater_equal(resized, cut[:, None], out=work.pred[:rows])

    def _kth_smallest(self, values: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """(B, N) float32, (B,) ranks -> (B,) float32,
        ``np.partition(values[i], ranks[i])[ranks[i]]`` for each row."""
        work = self._workspace()
        rows = len(values)
        return kth_smallest(values, ranks, work.below[:rows], work.upto[:rows])


def resize_rows(heatmaps: HeatmapBatch, out: np.ndarray, size: Tuple[int, int],
                align_corners: bool) -> np.ndarray:
    """(B, h, w) raw heatmaps resized into ``out``, each exactly
    :func:`~avloc.structures.geometry.resize_heatmap`'s.

    Args:
        heatmaps: B raw (h, w) heatmaps, an array or a sequence.
        out (np.ndarray): (B, H * W) float32, C-contiguous, written in place.
        size (tuple[int, int]): (H, W).
        align_corners (bool): OpenCV's ``INTER_LINEAR`` when False, torch's
            ``align_corners=True`` bilinear resize when True.

    Returns:
        np.ndarray: ``out``.
    """
    rows = len(heatmaps)
    out_h, out_w = size
    if not align_corners:
        for i, heatmap in enumerate(heatmaps):
            target = out[i].reshape(out_h, out_w)
            result = cv2.resize(np.asarray(heatmap, np.float32), (out_w, out_h),
                                dst=target, interpolation=cv2.INTER_LINEAR)
            if not np.shares_memory(result, target):
                target[...] = result
        return out
    # torch's bilinear resize is the same per map in a batch; one call per shape.
    arrays = [np.asarray(h, np.float32) for h in heatmaps]
    by_shape = {}
    for i, heatmap in enumerate(arrays):
        by_shape.setdefault(heatmap.shape, []).append(i)
    for shape, index in by_shape.items():
        batch = torch.from_numpy(np.stack([arrays[i] for i in index]))[:, None]
        target = torch.from_numpy(out).view(rows, 1, out_h, out_w)
        with _TORCH_LOCK:
            if len(index) == rows:  # straight into ``out``
                torch.ops.aten.upsample_bilinear2d.out(
                    batch, [out_h, out_w], True, None, None, out=target)
                continue
            resized = torch.nn.functional.interpolate(
                batch, size=(out_h, out_w), mode='bilinear', align_corners=True)
        out[index] = resized.reshape(len(index), out_h * out_w).numpy()
    return out


def kth_smallest(values: np.ndarray, ranks: np.ndarray, below: Optional[np.ndarray] = None,
                 upto: Optional[np.ndarray] = None) -> np.ndarray:
    """``np.partition(values[i], ranks[i])[ranks[i]]`` of each row, from a sampled
    bracket (see the module docstring).

    Args:
        values (np.ndarray): (B, N) float32.
        ranks (np.ndarray): (B,) int, each in [0, N).
        below (np.ndarray, optional): (B, N) bool scratch; a fresh one when None.
        upto (np.ndarray, optional): (B, N) bool scratch; a fresh one when None.

    Returns:
        np.ndarray: (B,) float32.
    """
    rows, num = values.shape
    if below is None:
        below = np.empty((rows, num), bool)
    if upto is None:
        upto = np.empty((rows, num), bool)
    sample = np.sort(values[:, ::SAMPLE_STRIDE], axis=1)  # (B, S)
    centre = ranks * sample.shape[1] // num  # the target's rank in the sample
    lo, hi = _sample_bounds(sample, centre, SAMPLE_MARGIN)
    # Every row at once: count the values below lo and up to hi.
    below_mask = np.less(values, lo[:, None], out=below)
    upto_mask = np.less_equal(values, hi[:, None], out=upto)
    num_below = count_rows(below_mask)
    inside = count_rows(upto_mask) - num_below
    found = (num_below <= ranks) & (ranks < num_below + inside)
    out = np.empty(rows, np.float32)
    tied = found & (lo == hi)  # every value in the bracket equals lo
    out[tied] = lo[tied]
    select = found & ~tied & (inside <= MAX_BRACKET)
    if select.any():
        # lo <= x <= hi: the values up to hi that are not below lo. The fewer
        # there are, the faster numpy skips the rest of the mask.
        in_bracket = np.not_equal(upto_mask, below_mask, out=upto)
        in_bracket[~select] = False
        candidates = values[in_bracket]  # row after row
        ends = np.cumsum(np.where(select, inside, 0))
        for i in np.flatnonzero(select):
            k = ranks[i] - num_below[i]
            out[i] = np.partition(candidates[ends[i] - inside[i]:ends[i]], k)[k]
    for i in np.flatnonzero(~found):
        # The narrow bracket missed: a wide one, then the full selection.
        out[i] = _kth_in_bracket(values[i], ranks[i], sample[i], centre[i])
    for i in np.flatnonzero(found & ~tied & ~select):
        out[i] = np.partition(values[i], ranks[i])[ranks[i]]
    return out


def _sample_bounds(sample: np.ndarray, centre: np.ndarray, margin: int) -> tuple:
    """(B, S) sorted samples, (B,) target sample ranks -> (B,) float32 lower and
    upper bounds ``margin`` ranks either side (-inf / +inf past the ends)."""
    size = sample.shape[1]
    index = np.arange(len(sample))
    lo_rank, hi_rank = centre - margin, centre + margin
    lo = np.where(lo_rank >= 0, sample[index, np.clip(lo_rank, 0, size - 1)], -np.inf)
    hi = np.where(hi_rank < size, sample[index, np.clip(hi_rank, 0, size - 1)], np.inf)
    return lo.astype(np.float32), hi.astype(np.float32)


def _kth_in_bracket(values: np.ndarray, rank: int, sample: np.ndarray,
                    centre: int) -> np.float32:
    """One row's k-th smallest value through a wide sampled bracket, or
    ``np.partition`` where that misses too or holds a large tie."""
    lo, hi = _sample_bounds(sample[None], np.array([centre]), WIDE_SAMPLE_MARGIN)
    lo, hi = lo[0], hi[0]
    below_mask = values < lo
    below = np.count_nonzero(below_mask)
    in_bracket = (values <= hi) & ~below_mask
    inside = np.count_nonzero(in_bracket)
    if below <= rank < below + inside and inside <= MAX_BRACKET:
        k = rank - below
        return np.partition(values[in_bracket], k)[k]
    return np.partition(values, rank)[rank]


def scoring_threads() -> int:
    """Threads to score in: torch's intra-op setting (``OMP_NUM_THREADS``,
    ``torch.set_num_threads``), at most MAX_SCORING_THREADS."""
    return max(1, min(torch.get_num_threads(), MAX_SCORING_THREADS))


def map_chunks(function: Callable[[Sequence, BatchScorer], Result], items: Sequence,
               protocol: Union[str, dict, LocalizationProtocol], chunk_size: int = 32,
               num_threads: int = 1) -> List[Result]:
    """``function(chunk, scorer)`` of consecutive ``chunk_size`` items, in order.

    With ``num_threads`` > 1 the chunks run in a thread pool, each thread with a
    :class:`BatchScorer` of its own (numpy, OpenCV and torch release the GIL for
    their array work). ``function`` must only read shared state.
    """
    chunks = [items[start:start + chunk_size] for start in range(0, len(items), chunk_size)]
    num_threads = max(1, min(num_threads, len(chunks)))
    if num_threads == 1:
        scorer = BatchScorer(protocol, chunk_size)
        return [function(chunk, scorer) for chunk in chunks]
    local = threading.local()

    def run(chunk: Sequence) -> Result:
        if not hasattr(local, 'scorer'):
            local.scorer = BatchScorer(protocol, chunk_size)
        return function(chunk, local.scorer)

    with ThreadPoolExecutor(num_threads, thread_name_prefix='ciou') as pool:
        return list(pool.map(run, chunks))
