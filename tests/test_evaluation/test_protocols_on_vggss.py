"""The protocols against the published evaluators, live, on the whole VGG-SS lists.

Every clip of the 5,158 list (``vggss_test.csv`` with ``vggss.json``, as LVS and
EZ-VSL test) gets a generated heatmap: seeded random 14x14 maps, constant maps of
either sign, smooth peaks, plateaus holding over half the frame at the maximum, and
the centred disc. ``published_logic.py`` (the public code, transcribed) scores each
clip from the raw ``vggss.json`` boxes; the registered ``CIoUMetric`` scores it from
the boxes avloc's dataset reads. Per-clip ciou and cIoU@0.5 / AUC must be identical
on the 5,158 list and on SSL-TIE's 4,911 subset (taken from the same per-clip
values). The two clips whose corrupted boxes clip to nothing are in the list; one
gets a negative constant map, which LVS leaves with no prediction (ciou NaN).
"""
import functools
import json
from pathlib import Path

import numpy as np
import published_logic
import pytest
import torch
from tool_runner import ROOT

from avloc.datasets import read_box_file, read_id_list
from avloc.evaluation.functional import centre_prior_map, ciou_at_threshold, ciou_auc
from avloc.registry import METRICS

META = Path(ROOT) / 'tools' / 'data' / 'vggsound' / 'meta'
EMPTY_GT_CLIPS = ('M1P1xla8rg0_000000', 'MKC9LvRivTM_000030')
CONSTANTS = (0.0, 0.42, -0.3, 1.0, -1e-9)  # -1e-9: 1 + c rounds to 1 in float32
PROTOCOLS = ('lvs', 'ezvsl', 'adaptive', 'absolute')


@pytest.fixture(scope='module', autouse=True)
def one_torch_thread():
    """EZ-VSL's resize is one small ``F.interpolate`` a clip; on shared cores
    torch's thread pool makes each call some thirty times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@functools.lru_cache()
def clips():
    """The 5,158 list: ids, raw ``vggss.json`` boxes (as the public loaders read
    them) and (N, 4) float32 boxes as avloc's dataset reads them."""
    ids = read_id_list(str(META / 'vggss_test.csv'))
    raw = {e['file']: e['bbox'] for e in json.loads((META / 'vggss.json').read_text())}
    read = read_box_file(str(META / 'vggss.json'), 'clip')
    return ids, [raw[i] for i in ids], [read[i][1] for i in ids]


def smooth_peak(rng: np.random.Generator) -> np.ndarray:
    """(14, 14) Gaussian bump at a random place, shifted to cosine-like [-1, 1]."""
    yy, xx = np.mgrid[:14, :14]
    cy, cx = rng.uniform(0, 14, 2)
    sigma = rng.uniform(1, 5)
    return 2 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma ** 2)) - 1


def plateau(rng: np.random.Generator) -> np.ndarray:
    """(14, 14) ones with a random block under a third of the map lowered: over half
    the resized frame ties at the maximum."""
    heat = np.ones((14, 14))
    y, x = rng.integers(0, 7, 2)
    heat[y:y + rng.integers(2, 8), x:x + rng.integers(2, 8)] = rng.uniform(-1, 0.9)
    return heat


@functools.lru_cache()
def heatmaps():
    """One (h, w) float32 heatmap a clip, by clip index: a tenth each constant,
    smooth peak, plateau and centred disc, the rest uniform noise. The empty-ground-
    truth clips get a negative constant and noise."""
    ids = clips()[0]
    rng = np.random.default_rng(0)
    maps = []
    for index, clip in enumerate(ids):
        kind = index % 10
        if clip == EMPTY_GT_CLIPS[0]:
            heat = np.full((14, 14), -0.3)
        elif clip == EMPTY_GT_CLIPS[1]:
            heat = rng.random((14, 14))
        elif kind == 0:
            heat = np.full((14, 14), CONSTANTS[index // 10 % len(CONSTANTS)])
        elif kind == 1:
            heat = smooth_peak(rng)
        elif kind == 2:
            heat = plateau(rng)
        elif kind == 3:
            heat = centre_prior_map()
        else:
            heat = rng.random((14, 14))
        maps.append(np.asarray(heat, np.float32))
    return maps


@functools.lru_cache()
def published(protocol: str) -> np.ndarray:
    """(5158,) ciou of every clip by the transcribed public code."""
    score = getattr(published_logic, f'ciou_{protocol}')
    return np.array([score(heat, boxes) for heat, boxes in zip(heatmaps(), clips()[1])])


def metric_with_clips(protocol: str, **kwargs):
    """The registered metric, fed one sample a clip as the model's test step hands
    them over."""
    metric = METRICS.build(dict(type='CIoUMetric', protocol=protocol, **kwargs))
    ids, _, boxes = clips()
    metric.process(None, [dict(clip_id=clip, pred_heatmap=torch.from_numpy(heat)[None],
                               gt_bboxes=torch.from_numpy(box))
                          for clip, heat, box in zip(ids, heatmaps(), boxes)])
    return metric


def ssltie_subset(values: np.ndarray) -> np.ndarray:
    """The per-clip values of SSL-TIE's 4,911 clips, all in the 5,158 list."""
    position = {clip: i for i, clip in enumerate(clips()[0])}
    subset = read_id_list(str(META / 'ssltie_test_vggss_4911.txt'))
    return values[[position[clip] for clip in subset]]


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_every_clip_scores_as_published(protocol):
    metric = metric_with_clips(protocol)
    avloc = np.array(metric.clip_cious(metric.results))
    expected = published(protocol)
    np.testing.assert_array_equal(avloc, expected)  # NaN where theirs is NaN
    for values, reference in ((avloc, expected),
                              (ssltie_subset(avloc), ssltie_subset(expected))):
        at_half, auc = published_logic.finalize(reference)
        assert ciou_at_threshold(values) == at_half
        assert ciou_auc(values)[0] == auc


def test_metric_end_to_end_counts_empty_ground_truth_as_failures():
    """``compute_metrics`` on the 5,158 list: both empty-ground-truth clips scored
    (one of them NaN under LVS: a negative constant predicts nothing), and the
    headline numbers are the public code's."""
    metric = metric_with_clips('lvs')
    result = metric.compute_metrics(metric.results)
    at_half, auc = published_logic.finalize(published('lvs'))
    assert result['cIoU@0.5'] == at_half and result['AUC'] == auc
    assert result['num_scored'] == 5158 and result['num_unscored'] == 0
    assert result['num_empty_gt'] == 2
    assert np.isnan(published('lvs')).sum() == 1  # the case the NaN rule is for
