"""The negative-audio measures against a transcription of the public code
(``tests/public_vssl_eval.py``, xavijuanola/vssl_eval), key by key."""
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
