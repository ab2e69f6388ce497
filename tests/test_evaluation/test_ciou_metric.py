
import numpy as np
import pytest
import torch
from metric_logs import scored_with_log

from avloc.evaluation import CIoUMetric


def sample(heat, boxes, other=None):
    s = dict(clip_id='x', pred_heatmap=torch.as_tensor(heat)[None].float(),
             gt_bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4))
    if other is not None:
        s['pred_heatmap_other_audio'] = torch.as_tensor(other)[None].float()
    return s


def box_heat(box, size=14):
    heat = np.zeros((size, size))
    x1, y1, x2, y2 = (np.array(box) * size).astype(int)
    heat[y1:y2, x1:x2] = 1
    return heat


LEFT, RIGHT, EMPTY = [0.0, 0.0, 0.5, 1.0], [0.5, 0.0, 1.0, 1.0], [0.3, 0.3, 0.3, 0.3]


def test_metric_scores_model_prior_and_control():
    metric = CIoUMetric()
    metric.process(None, [sample(box_heat(LEFT), [LEFT], other=box_heat(RIGHT)),
                          sample(box_heat(RIGHT), [RIGHT], other=box_heat(LEFT))])
    result = metric.compute_metrics(metric.results)
    assert result['cIoU@0.5'] == 1.0 and result['AUC'] > 0.9
    assert result['other_audio/cIoU@0.5'] == 0.0
    assert result['num_scored'] == 2 and result['num_unscored'] == 0
    # Half the centred disc lies on each half-frame box.
    expected = 0.5 * 0.5 / (0.5 + 0.25)
    assert result['centre_prior/mean_cIoU'] == pytest.approx(expected, abs=0.02)


def test_empty_ground_truth_is_a_failure_in_the_denominator_by_default():
    """As in the public evaluators: ciou 0 / sum(P) = 0, and the clip counts."""
    for protocol in ('lvs', 'ssltie', 'ezvsl'):
        result, log = scored_with_log(CIoUMetric(protocol=protocol), [
            sample(box_heat(LEFT), [LEFT]), sample(box_heat(LEFT), [EMPTY])])
        # The other clip scores about 1: the empty one entered the mean as 0.
        assert result['cIoU@0.5'] == 0.5
        assert result['mean_cIoU'] == pytest.approx(0.5, abs=0.01)
        assert result['centre_prior/cIoU@0.5'] == 0.0  # the empty clip fails it too
        assert result['num_scored'] == 2 and result['num_unscored'] == 0
        assert result['num_empty_gt'] == 1
        assert ('1 with an empty ground-truth map, scored as failures and kept in the '
                "denominator (empty_gt='fail')") in log


def test_empty_ground_truth_with_nothing_predicted_fails_even_at_zero():
    """LVS predicts nothing for a negative constant map; with no ground truth the
    public ciou is 0 / 0 = NaN, which fails every threshold (AUC's t = 0 too)."""
    left_half = np.zeros((224, 224))
    left_half[:, :112] = 1  # exactly the LEFT box at 224: ciou 1
    result, _ = scored_with_log(CIoUMetric(protocol='lvs'), [
        sample(left_half, [LEFT]), sample(np.full((14, 14), -0.5), [EMPTY])])
    assert result['cIoU@0.5'] == 0.5 and result['mean_cIoU'] == 0.5  # NaN counts 0
    # share(ciou >= t) is 1/2 at every t: AUC 1/2, not the 1/2 + 1/80 a 0 would give.
    assert result['AUC'] == pytest.approx(0.5)


def test_empty_ground_truth_can_be_left_out_and_is_logged():
    result, log = scored_with_log(CIoUMetric(protocol='ezvsl', empty_gt='skip'), [
        sample(box_heat(LEFT), [LEFT]), sample(box_heat(LEFT), [EMPTY])])
    assert result['cIoU@0.5'] == 1.0
    assert result['num_scored'] == 1 and result['num_unscored'] == 1
    assert result['num_empty_gt'] == 1
    assert "1 with an empty ground-truth map, left out (empty_gt='skip')" in log
    with pytest.raises(ValueError, match="empty_gt must be 'fail'"):
        CIoUMetric(empty_gt='drop')


def test_metric_refuses_when_nothing_is_scorable():
    metric = CIoUMetric()
    metric.process(None, [sample(np.ones((4, 4)), [[0.2, 0.2, 0.2, 0.9]])])
    with pytest.raises(ValueError, match='ground-truth'):
        metric.compute_metrics(metric.results)


def test_non_finite_heatmap_is_an_error_naming_the_clip():
    """A NaN heatmap used to score as a miss, hiding a diverged model."""
    heat = box_heat(LEFT)
    heat[3, 4] = np.nan
    broken = dict(sample(heat, [LEFT]), clip_id='clip7', frame_path='frames/clip7.jpg')
    with pytest.raises(ValueError, match=r'clip clip7 \(frames/clip7.jpg\): pred_heatmap '
                       'has 1 NaN and 0 inf of its 196 values'):
        CIoUMetric().process(None, [sample(box_heat(LEFT), [LEFT]), broken])
    inf_other = box_heat(RIGHT)
    inf_other[0, 0] = -np.inf
    with pytest.raises(ValueError, match='clip x: pred_heatmap_other_audio has 0 NaN '
                       'and 1 inf'):
        CIoUMetric().process(None, [sample(box_heat(LEFT), [LEFT], other=inf_other)])


def test_av_correspondence_counts_clips_whose_own_audio_wins():
    from avloc.evaluation import AVCorrespondenceMetric
    hot, cold = np.full((4, 4), 0.8), np.full((4, 4), -0.2)
    metric = AVCorrespondenceMetric()
    metric.process(None, [sample(hot, [], other=cold), sample(cold, [], other=hot),
                          sample(hot, [], other=cold)])
    result = metric.compute_metrics(metric.results)
    assert result['accuracy'] == pytest.approx(2 / 3)
    assert result['margin'] == pytest.approx((0.5 - 0.5 + 0.5) / 3)
    with pytest.raises(ValueError, match='other_audio_control=True'):
        metric.process(None, [sample(hot, [])])
