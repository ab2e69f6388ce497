"""The negative-audio measures against a transcription of the public code
(``tests/public_vssl_eval.py``, xavijuanola/vssl_eval), key by key."""
import threading
import time
import tracemalloc
from itertools import combinations

import cv2
import numpy as np
import public_vssl_eval as public
import pytest
import torch
import torch.nn.functional as F

from avloc.evaluation.functional.ciou import boxes_to_gt_map
from avloc.evaluation.functional.negative_audio import (NEGATIVE_KINDS, PUBLISHED_THRESHOLDS,
                                                        negative_audio_scores, peak_thresholds,
                                                        resize_raw)

PIA_RULES = {'0.5': '', 'median': '_ciou', 'adaptive': '_ciouadap', 'max': '_max',
             'max10': '_max10', 'maxq3': '_maxq3'}
IOU_RULES = {'0.5': '', 'adaptive': '_adap', 'max': '_max', 'max10': '_max10',
             'maxq3': '_maxq3'}
CIOU_RULES = {'0.5': '05', 'max': 'max', 'max10': 'max10', 'maxq3': 'maxq3'}


def make_clips(seed: int, num: int = 36, grid: int = 7):
    """Raw (num, grid, grid) float32 maps with the awkward cases up front, and
    (num, 224, 224) ground truth (union or two-annotator consensus boxes)."""
    rng = np.random.default_rng(seed)
    wanted, num = num, max(num, 9)

    def smooth(scale=1.0, shift=0.0):
        base = rng.normal(size=(num, grid, grid)).cumsum(1).cumsum(2)
        base = (base - base.min()) / (base.max() - base.min())
        return (scale * base + shift + 0.05 * rng.normal(size=base.shape)).astype(np.float32)

    pos = smooth(1.1, -0.1)
    neg = {'silence': smooth(0.7, -0.2), 'noise': smooth(1.0, 0.0),
           'offscreen': 0.8 * pos + 0.2 * smooth()}
    pos[0] = 0.7                                   # constant: every pixel ties
    pos[1] = -rng.uniform(0.1, 1, (grid, grid))    # all negative
    neg['noise'][1] = -0.5
    pos[2] = np.round(pos[2] * 4) / 4              # quantised: ties at the cut
    neg['silence'][2] = np.round(neg['silence'][2] * 4) / 4
    pos[3] *= 0.2                                  # nothing above 0.5 or the peaks
    neg['silence'][4] = 3.0                        # the whole frame lit
    neg['offscreen'][5] = pos[5]                   # audio ignored
    pos[6] = 0.5                                   # exactly at the fixed level
    neg['noise'][6] = 0.5
    gt = np.zeros((num, 224, 224), np.float32)
    for i in range(num):
        if i in (3, 7, 8):                         # empty ground truth
            continue
        lo = rng.uniform(0, 0.6, (rng.integers(1, 4), 2))
        boxes = np.concatenate([lo, lo + rng.uniform(0.1, 0.5, lo.shape)], axis=1)
        gt[i] = boxes_to_gt_map(boxes, rule='consensus' if i % 3 == 0 else 'union')
        if i >= 9 and i % 2:                       # a map that finds the object
            pos[i] = (1.2 * cv2.resize(gt[i], (grid, grid), interpolation=cv2.INTER_AREA)
                      - 0.1 + 0.05 * rng.normal(size=(grid, grid)))
    neg = {k: neg[k][:wanted].astype(np.float32) for k in NEGATIVE_KINDS}
    return pos[:wanted], neg, gt[:wanted]


def public_peaks(pos):
    """The public per-clip maxima (``torch.max(htmp).item()``) -> mean (its
    ``max_heatmap``), 1.1 x mean and their 75th percentile."""
    peaks = [torch.max(h).item() for h in torch.from_numpy(pos)[:, None]]
    mean = np.mean(np.array(peaks))
    return dict(max=float(mean), max10=1.1 * float(mean),
                maxq3=float(np.percentile(peaks, 75)))


def run_public(pos, neg, gt, peaks, fixed=0.5):
    batch = {k: torch.from_numpy(v)[:, None] for k, v in neg.items()}
    args = public.make_args(peaks['max'], peaks['max10'], peaks['maxq3'], fixed)
    return public.eval_vggss(torch.from_numpy(pos)[:, None], batch['noise'],
                             batch['silence'], batch['offscreen'],
                             torch.from_numpy(gt), args)


def expected_keys(m, kinds=NEGATIVE_KINDS):
    """The public ``metrics_eval`` under avloc's keys, as fractions."""
    out = {}
    for rule, name in CIOU_RULES.items():
        out[f'cIoU_mean@{rule}'] = m[f'ciou_{name}_mean_wogl'] / 100
        out[f'AUC@{rule}'] = m[f'auc_{name}_wogl'] / 100
    for kind in kinds:
        for rule, suffix in PIA_RULES.items():
            out[f'pIA/{kind}@{rule}'] = m[f'pia_metric_{kind}{suffix}_wogl'] / 100
            out[f'AOC/{kind}@{rule}'] = m[f'auc_{kind}{suffix}_wogl'] / 100
        out[f'F/pos-{kind}'] = m[f'f_ciou_pos_{kind}'] / 100
        out[f'F_AUC_AOC/pos-{kind}'] = m[f'f_auc_aoc_pos_{kind}'] / 100
    for a, b in [('pos', k) for k in kinds] + list(combinations(kinds, 2)):
        for rule, suffix in IOU_RULES.items():
            out[f'IoU/{a}-{b}@{rule}'] = m[f'iou_{a}_{b}{suffix}_wogl_metric'] / 100
    if tuple(kinds) == NEGATIVE_KINDS:
        out['F/pos-neg'] = m['f_pos_neg'] / 100
        out['F_AUC_AOC/pos-neg'] = m['f_auc_aoc_pos_neg'] / 100
    return out


def assert_same(ours, expected, tol=1e-12):
    assert set(ours) == set(expected)
    wrong = {k: (ours[k], expected[k]) for k in expected
             if not abs(ours[k] - expected[k]) <= tol}
    assert not wrong, wrong


@pytest.mark.parametrize('seed,grid', [(0, 7), (1, 14)])
def test_every_key_matches_the_public_code(seed, grid):
    pos, neg, gt = make_clips(seed, grid=grid)
    peaks = public_peaks(pos)
    m = run_public(pos, neg, gt, peaks)
    ours = negative_audio_scores(pos, neg, gt)
    expected = expected_keys(m)
    expected.update({f'threshold/{r}': v for r, v in peaks.items()})
    assert ours['threshold/max'] == m['max_heatmap']  # the public code's own mean
    assert_same(ours, expected)
    # the awkward clips reach the branches they are there for: both masks empty
    # (clips 1 and 6), the whole frame lit (4), empty ground truth and nothing
    # predicted (3), and some clips localise
    assert m['iou_pos_noise_wogl'][1] == m['iou_pos_noise_wogl'][6] == 1.0
    assert m['pia_batch_silence_wogl'][4] == 1.0 and m['ciou_05_wogl'][3] == 0
    assert max(m['ciou_05_wogl']) > 0.5 and 0 < ours['pIA/silence@maxq3'] < 1


def test_subset_of_kinds_and_another_fixed_level():
    pos, neg, gt = make_clips(2)
    peaks = public_peaks(pos)
    m = run_public(pos, neg, gt, peaks, fixed=0.3)
    kinds = ('silence', 'offscreen')
    ours = negative_audio_scores(pos, {k: neg[k] for k in kinds}, gt, fixed=0.3)
    expected = {k.replace('@0.5', '@0.3'): v for k, v in expected_keys(m, kinds).items()}
    expected.update({f'threshold/{r}': v for r, v in peaks.items()})
    # eval.py cuts its cIoU at a literal 0.5 whatever --threshold says; avloc cuts
    # it at the fixed level too, which the public cal_CIOU computes as well
    with np.errstate(invalid='ignore'):
        cious = [public.cal_CIOU(cv2.resize(p, (224, 224)), g, 0.3)[0] for p, g in zip(pos, gt)]
    cious = [0 if np.isnan(c) else c for c in cious]
    expected['cIoU_mean@0.3'] = np.mean(np.array(cious))
    expected['AUC@0.3'] = public.compute_AUC(cious)
    assert expected['cIoU_mean@0.3'] != m['ciou_05_mean_wogl'] / 100
    assert_same(ours, expected)
    assert 'F/pos-neg' not in ours and 'IoU/silence-offscreen@0.3' in ours


def test_chunks_and_a_memmap_do_not_change_the_result(tmp_path):
    pos, neg, gt = make_clips(3, num=20)
    whole = negative_audio_scores(pos, neg, gt, chunk_size=20)
    assert negative_audio_scores(pos, neg, gt, chunk_size=3) == whole
    on_disk = np.lib.format.open_memmap(str(tmp_path / 'gt.npy'), mode='w+',
                                        dtype=np.float32, shape=gt.shape)
    on_disk[:] = gt
    assert negative_audio_scores(pos, neg, on_disk, chunk_size=7) == whole


def test_align_corners_resizes_every_map_alike():
    pos, neg, gt = make_clips(4, num=12)
    expected = F.interpolate(torch.from_numpy(pos)[:, None], size=(224, 224),
                             mode='bilinear', align_corners=True)[:, 0].numpy()
    np.testing.assert_array_equal(resize_raw(pos, align_corners=True), expected)
    np.testing.assert_array_equal(
        resize_raw(pos), np.stack([cv2.resize(p, (224, 224)) for p in pos]))
    peaks = peak_thresholds(pos)
    ours = negative_audio_scores(pos, neg, gt, align_corners=True)
    # a 224 map resized to 224 is left as it is, by cv2 and here
    big_pos = resize_raw(pos, align_corners=True)
    big_neg = {k: resize_raw(v, align_corners=True) for k, v in neg.items()}
    assert negative_audio_scores(big_pos, big_neg, gt, thresholds=peaks) == ours
    expected = expected_keys(run_public(big_pos, big_neg, gt, peaks))
    expected.update({f'threshold/{r}': v for r, v in peaks.items()})
    assert_same(ours, expected)


def test_harmonic_mean_of_nothing_is_zero_where_the_public_code_says_nan():
    pos, neg, gt = make_clips(5, num=8)
    gt[:] = 0                     # nothing to find: every ciou is 0
    neg['noise'][:] = 5.0         # and the noise lights up every pixel
    peaks = public_peaks(pos)
    m = run_public(pos, neg, gt, peaks)
    ours = negative_audio_scores(pos, neg, gt)
    assert ours['cIoU_mean@maxq3'] == 0 and ours['pIA/noise@maxq3'] == 1
    assert ours['F/pos-noise'] == 0 and np.isnan(m['f_ciou_pos_noise'])
    expected = expected_keys(m)
    expected['F/pos-noise'] = 0.0
    expected.update({f'threshold/{r}': v for r, v in peaks.items()})
    assert_same(ours, expected)


def test_measures_of_a_model_that_ignores_the_audio_or_goes_dark():
    pos, neg, gt = make_clips(6, num=10)
    deaf = negative_audio_scores(pos, {k: pos for k in NEGATIVE_KINDS}, gt)
    for rule in ('0.5', 'adaptive', 'max', 'max10', 'maxq3'):
        assert deaf[f'IoU/pos-noise@{rule}'] == 1 and deaf[f'IoU/silence-noise@{rule}'] == 1
    dark = negative_audio_scores(pos, {'silence': pos - 10}, gt)
    assert dark['pIA/silence@median'] == 0 and dark['AOC/silence@max'] == 1
    lit = resize_raw(pos).reshape(len(pos), -1) > 0.5
    assert dark['IoU/pos-silence@0.5'] == pytest.approx(1 - lit.any(axis=1).mean())
    assert dark['F/pos-silence'] == pytest.approx(
        2 * dark['cIoU_mean@maxq3'] / (dark['cIoU_mean@maxq3'] + 1))


def test_peak_thresholds_and_published_constants():
    pos = np.zeros((4, 3, 3), np.float32)
    pos[:, 1, 1] = [0.2, 0.4, 0.6, 1.0]
    peaks = peak_thresholds(pos)
    assert peaks['max'] == pytest.approx(0.55)
    assert peaks['max10'] == 1.1 * peaks['max']
    assert peaks['maxq3'] == pytest.approx(0.7)  # linear between 0.6 and 1.0
    for name, constants in PUBLISHED_THRESHOLDS.items():
        assert abs(constants['max10'] - 1.1 * constants['max']) < 1e-4, name
    gt = np.zeros((4, 224, 224), np.float32)
    out = negative_audio_scores(pos, {'noise': pos}, gt,
                                thresholds=PUBLISHED_THRESHOLDS['ezvsl'])
    assert out['threshold/maxq3'] == 0.6382


def test_memory_stays_bounded_with_many_clips():
    pos, neg, _ = make_clips(7, num=96)
    gt = np.zeros((96, 224, 224), np.float32)
    gt[:, 50:150, 60:160] = 1
    tracemalloc.start()
    try:
        negative_audio_scores(pos, neg, gt)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one pass over all 96 clips at once would hold about 200 MB
    assert peak < 100 * 2 ** 20, peak / 2 ** 20


@pytest.mark.parametrize('change,message', [
    (lambda p, n, g: (p, {}, g), 'at least one'),
    (lambda p, n, g: (p, {'music': p}, g), "unknown negative kinds \\['music'\\]"),
    (lambda p, n, g: (p, {'noise': p[:-1]}, g), "negatives\\['noise'\\] has shape"),
    (lambda p, n, g: (p, n, g[:-1]), 'gt_maps must be'),
    (lambda p, n, g: (p, n, g[0]), 'gt_maps must be'),
    (lambda p, n, g: (p[:0], n, g[:0]), 'positive must be'),
    (lambda p, n, g: (p[0], n, g), 'positive must be'),
])
def test_bad_shapes_are_refused(change, message):
    pos, neg, gt = make_clips(8, num=4)
    with pytest.raises(ValueError, match=message):
        negative_audio_scores(*change(pos, neg, gt))


def test_bad_values_name_the_clip():
    pos, neg, gt = make_clips(9, num=5)
    bad = pos.copy()
    bad[2, 1, 1] = np.nan
    with pytest.raises(ValueError, match='positive: the map of clip 2 holds NaN'):
        negative_audio_scores(bad, neg, gt)
    bad = neg['silence'].copy()
    bad[4, 0, 0] = np.inf
    with pytest.raises(ValueError, match="negatives\\['silence'\\]: the map of clip 4"):
        negative_audio_scores(pos, {'silence': bad}, gt)
    bad = gt.copy()
    bad[3, 0, 0] = 2
    with pytest.raises(ValueError, match='gt_maps: the map of clip 3 has values outside'):
        negative_audio_scores(pos, neg, bad, chunk_size=2)
    for thresholds in (dict(max=0.5, max10=0.55), dict(max=0.5, max10=0.55, maxq3=0.6, q=1),
                       dict(max=0.5, max10=0.55, maxq3=float('nan'))):
        with pytest.raises(ValueError, match='thresholds must'):
            negative_audio_scores(pos, neg, gt, thresholds=thresholds)
    with pytest.raises(ValueError, match='chunk_size must'):
        negative_audio_scores(pos, neg, gt, chunk_size=0)
    with pytest.raises(ValueError, match='fixed must be finite'):
        negative_audio_scores(pos, neg, gt, fixed=float('inf'))
    with pytest.raises(ValueError, match='heatmaps must be'):
        resize_raw(pos[0])
    with pytest.raises(ValueError, match='heatmaps must be'):
        peak_thresholds(pos[:0])


def soft_ground_truth(gt, seed):
    """Each clip's map blurred into values between 0 and 1 (an annotation heatmap),
    except every third, left at 0 / 0.5 / 1."""
    rng = np.random.default_rng(seed)
    soft = gt.copy()
    for i in range(len(gt)):
        if i % 3:
            blurred = cv2.GaussianBlur(gt[i], (0, 0), float(rng.uniform(3, 12)))
            soft[i] = np.clip(blurred * rng.uniform(0.6, 1.2), 0, 1)
    return soft


def test_soft_ground_truth_matches_the_public_code():
    pos, neg, gt = make_clips(10, num=24, grid=14)
    # float64, as the public cal_CIOU sums a float32 map in float32 (np.sum(gtmap))
    # and avloc sums in float64: their cIoU means differ by about 1e-10
    gt = soft_ground_truth(gt, 10).astype(np.float64)
    assert not np.isin(gt[1], (0, 0.5, 1)).all() and np.isin(gt[3], (0, 0.5, 1)).all()
    peaks = public_peaks(pos)
    expected = expected_keys(run_public(pos, neg, gt, peaks))
    expected.update({f'threshold/{r}': v for r, v in peaks.items()})
    # chunks of 3 hold a 0 / 0.5 / 1 map and two soft ones; the single clips of
    # chunk_size=1 are each one kind or the other
    for chunk_size in (1, 3, None):
        assert_same(negative_audio_scores(pos, neg, gt, chunk_size=chunk_size), expected)


def definitions(pos, neg, gt, peaks, fixed=0.5):
    """The per-clip definitions of the module docstring on any grid: a full sort
    for the median and adaptive levels, float sums for the ciou."""
    height, width = gt.shape[1:]
    pairs = [('pos', k) for k in neg] + list(combinations(neg, 2))
    names = dict(fixed=f'{fixed:g}', median='median', adaptive='adaptive',
                 **{r: r for r in peaks})
    values = {}
    for i in range(len(pos)):
        maps = {k: cv2.resize(m[i], (width, height)).ravel()
                for k, m in dict(pos=pos, **neg).items()}
        g = gt[i].astype(np.float64).ravel()
        ordered = np.sort(maps['pos'])
        area = np.count_nonzero(g) or g.size // 2
        levels = dict(fixed=np.float32(fixed), median=ordered[g.size // 2],
                      adaptive=ordered[g.size - area],
                      **{r: np.float32(v) for r, v in peaks.items()})
        for rule, level in levels.items():
            masks = {k: m > level for k, m in maps.items()}
            found = {}
            if rule not in ('median', 'adaptive'):
                denom = g.sum() + np.sum(masks['pos'] & (g == 0))
                found['cIoU_mean'] = g[masks['pos']].sum() / denom if denom else 0.0
            for kind in neg:
                found[f'pIA/{kind}'] = masks[kind].mean()
            if rule != 'median':
                for a, b in pairs:
                    union = np.sum(masks[a] | masks[b])
                    found[f'IoU/{a}-{b}'] = (np.sum(masks[a] & masks[b]) / union
                                             if union else 1.0)
            for key, value in found.items():
                values.setdefault(f'{key}@{names[rule]}', []).append(value)
    return {key: float(np.mean(v)) for key, v in values.items()}


@pytest.mark.parametrize('size', [(50, 70), (96, 120)])
def test_other_grids_follow_the_definitions(size):
    """A grid whose rows do not fill whole 8-byte words (50 x 70) and one that does:
    every cIoU, pIA and IoU as the definitions give them."""
    pos, neg, gt = make_clips(11, num=14, grid=7)
    gt = np.stack([cv2.resize(g, size[::-1], interpolation=cv2.INTER_NEAREST) for g in gt])
    gt[5] = np.clip(cv2.GaussianBlur(gt[5], (0, 0), 4.0), 0, 1)  # a soft map
    ours = negative_audio_scores(pos, neg, gt, chunk_size=4)
    expected = definitions(pos, neg, gt, peak_thresholds(pos))
    assert len(expected) == 4 + 3 * 6 + 6 * 5
    wrong = {k: (ours[k], v) for k, v in expected.items() if not abs(ours[k] - v) <= 1e-12}
    assert not wrong, wrong


class LazyMaps:
    """Ground truth drawn a slice at a time into one buffer that the next read
    overwrites, counting its readers: not safe to read from two threads at once."""

    def __init__(self, maps):
        self.maps, self.buffer = maps, np.empty_like(maps)
        self.shape, self.ndim = maps.shape, maps.ndim
        self.reads, self.readers, self.most_readers = [], 0, 0
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.maps)

    def __getitem__(self, index):
        with self.lock:
            self.readers += 1
            self.most_readers = max(self.most_readers, self.readers)
        try:
            rows = range(len(self.maps))[index]
            self.reads.append((rows.start, rows.stop))
            out = self.buffer[:len(rows)]
            for j, i in enumerate(rows):
                time.sleep(0.001)  # drawing a map takes a while
                out[j] = self.maps[i]
            return out
        finally:
            with self.lock:
                self.readers -= 1


def test_threads_read_a_lazy_ground_truth_one_chunk_at_a_time():
    pos, neg, gt = make_clips(12, num=30)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = negative_audio_scores(pos, neg, gt, chunk_size=4)
        torch.set_num_threads(2)  # two scoring threads
        lazy = LazyMaps(gt)
        assert negative_audio_scores(pos, neg, lazy, chunk_size=4) == alone
    finally:
        torch.set_num_threads(threads)
    assert sorted(lazy.reads) == [(start, min(30, start + 4)) for start in range(0, 30, 4)]
    assert lazy.most_readers == 1


def test_a_ground_truth_chunk_of_the_wrong_shape_is_named():
    pos, neg, gt = make_clips(13, num=6)

    class Short(LazyMaps):
        def __getitem__(self, index):
            return super().__getitem__(index)[:, :100]

    with pytest.raises(ValueError, match=r'gt_maps\[0:4\] has shape \(4, 100, 224\), '
                       r'expected \(4, 224, 224\)'):
        negative_audio_scores(pos, neg, Short(gt), chunk_size=4)
