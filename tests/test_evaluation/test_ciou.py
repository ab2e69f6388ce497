import numpy as np
import pytest

from avloc.evaluation.functional import (boxes_to_gt_map, centre_prior_map, ciou, ciou_at_threshold,
                                         ciou_auc, median_threshold_mask, resize_and_normalize)


def test_ciou_hand_computed():
    gt = np.zeros((4, 4))
    gt[:2, :2] = 1  # 4 pixels
    pred = np.zeros((4, 4), bool)
    pred[:2, :3] = True  # 6 pixels: 4 on the box, 2 off
    assert ciou(pred, gt) == pytest.approx(4 / (4 + 2))
    # Consensus maps weight by the map's values.
    gt_half = gt * 0.5
    assert ciou(pred, gt_half) == pytest.approx(2 / (2 + 2))
    assert np.isnan(ciou(np.zeros((4, 4), bool), np.zeros((4, 4))))


def test_median_threshold_is_strict():
    heat = np.arange(16, dtype=float).reshape(4, 4)
    mask = median_threshold_mask(heat)
    # sorted[16 // 2] = 8: strictly greater keeps 9..15, seven pixels.
    assert mask.sum() == 7 and mask.ravel()[9:].all()
    flat = np.ones((4, 4))
    assert median_threshold_mask(flat).sum() == 0


def test_boxes_to_gt_map_truncates_and_clips():
    gt = boxes_to_gt_map(np.array([[0.1, 0.2, 0.5, 1.7]]), size=10)
    assert gt[2:10, 1:5].all() and gt.sum() == 8 * 4
    union = boxes_to_gt_map(np.array([[0, 0, 0.5, 0.5], [0.25, 0.25, 0.75, 0.75]]), 8)
    assert union.sum() == 16 + 16 - 4


def test_threshold_share_and_auc():
    cious = [0.0, 0.5, 1.0, 0.49]
    assert ciou_at_threshold(cious, 0.5) == 0.5
    auc, curve = ciou_auc(cious)
    assert curve[0] == 1.0 and curve[-1] == 0.25 and len(curve) == 21
    # Hand integration: share(>= t) is 1 at t=0, 0.75 on (0, 0.45], 0.5 at 0.5 ...
    expected = sum((a + b) / 2 * 0.05 for a, b in zip(curve[:-1], curve[1:]))
    assert auc == pytest.approx(expected)
    perfect, _ = ciou_auc([1.0, 1.0])
    assert perfect == pytest.approx(1.0)


def test_resize_and_centre_prior():
    heat = resize_and_normalize(np.array([[0.0, 1.0], [2.0, 3.0]]))
    assert heat.shape == (224, 224) and heat.min() == 0 and heat.max() == 1
    prior = median_threshold_mask(centre_prior_map())
    assert abs(prior.mean() - 0.5) < 0.01 and prior[112, 112] and not prior[0, 0]


def test_consensus_map_weighs_annotator_agreement():
    """Flickr: min(count / 2, 1), with the LVS coordinates px * 224 / 256 (int)."""
    boxes = np.array([[0, 0, 128, 128], [64, 64, 192, 192], [64, 64, 100, 100]]) / 256
    gt = boxes_to_gt_map(boxes, size=224, rule='consensus')
    assert gt[10, 10] == 0.5  # one annotator
    assert gt[100, 100] == 1.0  # two annotators overlap (56:112 in both boxes)
    assert gt[70, 70] == 1.0  # three annotators, capped at 1
    assert gt[200, 200] == 0.0
    assert gt[56:112, 56:112].min() == 1.0 and gt[111, 112] == 0.5  # 128 * 224/256 = 112
    with pytest.raises(ValueError, match="rule must be 'union' or 'consensus'"):
        boxes_to_gt_map(boxes, rule='mean')


def test_ciou_with_a_consensus_map():
    gt = np.array([[1.0, 0.5], [0.0, 0.0]])
    pred = np.array([[1, 0], [1, 0]], bool)
    # sum(P * G) = 1; sum(G) = 1.5; P outside G = 1 -> 1 / 2.5
    assert ciou(pred, gt) == pytest.approx(0.4)
