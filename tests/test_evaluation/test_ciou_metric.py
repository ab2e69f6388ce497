import numpy as np
import pytest
import torch

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


def test_metric_scores_model_prior_and_control():
    left, right = [0.0, 0.0, 0.5, 1.0], [0.5, 0.0, 1.0, 1.0]
    metric = CIoUMetric()
    metric.process(None, [sample(box_heat(left), [left], other=box_heat(right)),
                          sample(box_heat(right), [right], other=box_heat(left)),
                          sample(box_heat(left), [[0.0, 0.0, 0.0, 0.0]])])
    result = metric.compute_metrics(metric.results)
    assert result['cIoU@0.5'] == 1.0 and result['AUC'] > 0.9
    assert result['other_audio/cIoU@0.5'] == 0.0
    assert result['num_scored'] == 2 and result['num_unscored'] == 1
    # Half the centred disc lies on each half-frame box.
    assert result['centre_prior/mean_cIoU'] == pytest.approx(0.5 * 0.5 / (0.5 + 0.25),
                                                              abs=0.02)


def test_metric_refuses_when_nothing_is_scorable():
    metric = CIoUMetric()
    metric.process(None, [sample(np.ones((4, 4)), [[0.2, 0.2, 0.2, 0.9]])])
    with pytest.raises(ValueError, match='ground-truth'):
        metric.compute_metrics(metric.results)


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
