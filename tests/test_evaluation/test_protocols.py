import io
import logging

import numpy as np
import published_logic
import pytest
import torch
from mmengine.logging import MMLogger

from avloc.evaluation import CIoUMetric
from avloc.evaluation.functional import (ciou, confidence_score, detection_scores, get_protocol,
                                         mask_to_gt_map, size_bin, top_k_mask)


def test_top_k_keeps_ties_and_rejects_bad_k():
    heat = np.array([[3, 2], [2, 1]], np.float32)
    assert top_k_mask(heat, 1).sum() == 1
    assert top_k_mask(heat, 2).sum() == 3  # the tie at 2 is kept
    with pytest.raises(ValueError, match=r'k must be in \[1, 4\]'):
        top_k_mask(heat, 0)


def test_median_rules_strict_and_inclusive():
    heat = np.zeros((224, 224), np.float32)
    heat[:, 56:168] = 0.5  # half the frame: the median element is 0.5
    heat[:, 168:] = 1
    gt = np.zeros_like(heat)
    assert get_protocol('lvs').predict(heat, gt).sum() == 224 * 56  # strictly above
    assert get_protocol('ezvsl').predict(heat, gt).sum() == 224 * 168
    assert get_protocol('ssltie') == get_protocol('lvs')


def test_lvs_keeps_a_maximum_that_holds_over_half_the_frame():
    """LVS: nothing is above a median that is the maximum, but its
    ``pred[pred < 1] = 0`` step spares the pixels at the maximum."""
    heat = np.zeros((224, 224), np.float32)
    heat[:, :112] = 1
    gt = np.zeros((224, 224))
    gt[:, :56] = 1
    assert get_protocol('lvs').predict(heat, gt).sum() == 224 * 112
    assert ciou(get_protocol('lvs').predict(heat, gt), gt) == published_logic.ciou_lvs(
        heat, [[0, 0, 0.25, 1]])


@pytest.mark.parametrize('value', [0.0, 0.7, -0.4, 3.0])
def test_constant_map_follows_each_public_evaluator(value):
    """EZ-VSL (and its adaptive variant) keeps the whole frame; LVS / SSL-TIE keep
    it when the constant is >= 0 and nothing below; 'absolute' keeps nothing."""
    heat = np.full((14, 14), value, np.float32)
    gt = np.zeros((224, 224), np.float32)
    gt[:100, :50] = 1
    whole = 224 * 224
    assert get_protocol('ezvsl').predict(heat, gt).sum() == whole
    assert get_protocol('adaptive').predict(heat, gt).sum() == whole
    assert get_protocol('lvs').predict(heat, gt).sum() == (whole if value >= 0 else 0)
    assert not get_protocol('absolute').predict(heat, gt).any()
    box = [[0, 0, 50 / 224, 100 / 224]]
    for name in ('lvs', 'ezvsl', 'adaptive', 'absolute'):
        expected = getattr(published_logic, f'ciou_{name}')(heat, box)
        assert ciou(get_protocol(name).predict(heat, gt), gt) == expected


def test_adaptive_keeps_the_ground_truth_area():
    rng = np.random.default_rng(0)
    heat = rng.random((224, 224)).astype(np.float32)
    gt = np.zeros((224, 224), np.float32)
    gt[:50, :40] = 1
    assert get_protocol('adaptive').predict(heat, gt).sum() == 2000
    assert get_protocol('adaptive').predict(heat, np.zeros_like(gt)).sum() == 224 * 112
    with pytest.raises(ValueError, match='pass gt_map'):
        get_protocol('adaptive').predict(heat)


def test_protocol_options_and_errors():
    custom = get_protocol(dict(name='absolute', value=0.3))
    assert custom.value == 0.3 and custom.name == 'absolute(value=0.3)'
    with pytest.raises(ValueError, match="unknown cIoU protocol 'iou'"):
        get_protocol('iou')
    with pytest.raises(ValueError, match=r"unknown options \['cut'\]"):
        get_protocol(dict(name='lvs', cut=1))


def test_mask_ground_truth_is_resized_with_nearest_neighbour():
    mask = np.zeros((4, 8), np.uint8)
    mask[:, :2] = 255
    gt = mask_to_gt_map(mask, 8)
    assert set(np.unique(gt)) == {0, 1} and gt[:, :2].all() and not gt[:, 2:].any()
    with pytest.raises(ValueError, match=r'must be \(H, W\)'):
        mask_to_gt_map(np.zeros((2, 2, 3)))


def test_detection_scores_by_hand():
    # Visible pairs: (confidence, ciou) = (.9, .6) hit, (.8, .2) miss, (.3, .7) hit;
    # non-visible: .85 and .1. Falling thresholds give (precision, recall)
    # (1, 1/3) (1/2, 1/3) (1/3, 1/3) (1/2, 2/3) (2/5, 2/3); monotone precision
    # 1, 1/2, 1/2, 1/2, 2/5, so AP = 1/3 * 1 + 1/3 * 1/2 = 1/2. The best F1 keeps
    # everything above .3: precision 1/2, recall 2/3, F1 4/7.
    scores = detection_scores([0.9, 0.8, 0.3], [0.6, 0.2, 0.7], [0.85, 0.1])
    assert scores['AP'] == pytest.approx(0.5)
    assert scores['max_F1'] == pytest.approx(4 / 7)
    assert scores['precision'] == pytest.approx(0.5)
    strict = detection_scores([0.9, 0.8, 0.3], [0.6, 0.2, 0.7], [0.85, 0.1], 0.75)
    assert strict['AP'] == 0.0
    with pytest.raises(ValueError, match='at least one visible pair'):
        detection_scores([], [], [0.5])


def test_confidence_uses_a_fixed_range_and_size_bins():
    assert confidence_score(np.ones((7, 7))) == pytest.approx(1.0)
    assert confidence_score(-np.ones((7, 7))) == pytest.approx(0.0)
    heat = np.zeros((8, 8), np.float32)
    heat[:2] = 1  # top quarter at 1, the rest 0 -> mean of the top 25% about 1
    assert confidence_score(heat) > 0.9
    gt = np.zeros((224, 224))
    gt[:31, :31] = 1
    assert size_bin(gt) == 'small'
    gt[:100, :100] = 1
    assert size_bin(gt) == 'large'
    assert size_bin(np.ones((224, 224))) == 'huge'


def entry(heat, boxes=(), other=None, mask=None, sounding=True):
    s = dict(clip_id='x', pred_heatmap=torch.as_tensor(heat, dtype=torch.float32)[None],
             gt_bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
             is_sounding=sounding)
    if other is not None:
        s['pred_heatmap_other_audio'] = torch.as_tensor(other, dtype=torch.float32)[None]
    if mask is not None:
        s['gt_mask'] = torch.as_tensor(mask)
    return s


def test_metric_extended_protocol_and_masks():
    left = np.zeros((14, 14))
    left[:, :7] = 1
    right = 1 - left
    mask = np.zeros((28, 28), np.uint8)
    mask[:, :14] = 1
    metric = CIoUMetric(protocol='ezvsl', extended=True)
    metric.dataset_meta = dict(list_name='s4_test.csv', list_md5='abc', num_listed=4)
    metric.process(None, [entry(left, [[0, 0, 0.5, 1]], other=-right),
                          entry(left, mask=mask, other=-right),
                          entry(-left, sounding=False)])
    logger = MMLogger.get_current_instance()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        result = metric.compute_metrics(metric.results)
    finally:
        logger.removeHandler(handler)
    log = stream.getvalue()
    assert result['cIoU@0.5'] == 1.0 and result['num_scored'] == 2
    assert result['num_listed'] == 4
    assert result['extended/num_non_visible'] == 3
    # Own-audio maps are more confident than every other-audio map: perfect AP.
    assert result['extended/AP@0.5'] == pytest.approx(1.0)
    assert result['size/huge/num_clips'] == 2 and result['size/small/num_clips'] == 0
    assert 'cIoU protocol ezvsl' in log and 's4_test.csv (md5 abc)' in log
    assert '4 clips listed' in log


def test_extended_needs_non_visible_pairs():
    metric = CIoUMetric(extended=True)
    metric.process(None, [entry(np.eye(4), [[0, 0, 0.5, 0.5]])])
    with pytest.raises(ValueError, match='other_audio_control'):
        metric.compute_metrics(metric.results)
