"""CIoUMetric's negative-audio, per-instance and oracle options: each the functional
definition's numbers on the metric's own scored clips, with the errors a user meets."""

import numpy as np
import pytest
import torch
from metric_logs import scored_with_log

from avloc.evaluation import CIoUMetric
from avloc.evaluation.functional import (PUBLISHED_THRESHOLDS, boxes_to_gt_map, ciou_at_threshold,
                                         instance_scores, negative_audio_scores)
from avloc.evaluation.metrics.ciou_metric import ORACLE


def clips(num=40, seed=0, controls=('other', 'silence', 'noise'), groups=None):
    """``num`` samples with random 7x7 maps, one random box each, and the controls'
    maps; frame ``groups[i]`` when given."""
    rng = np.random.default_rng(seed)
    fields = dict(other='pred_heatmap_other_audio', silence='pred_heatmap_silence',
                  noise='pred_heatmap_noise')
    samples = []
    for i in range(num):
        x1, y1 = rng.uniform(0, 0.6, 2)
        box = [x1, y1, x1 + rng.uniform(0.1, 0.4), y1 + rng.uniform(0.1, 0.4)]
        sample = dict(clip_id=f'c{i}', gt_bboxes=torch.tensor([box], dtype=torch.float32),
                      pred_heatmap=torch.from_numpy(rng.random((1, 7, 7), np.float32)))
        for name in controls:
            sample[fields[name]] = torch.from_numpy(rng.random((1, 7, 7), np.float32) - 0.3)
        if groups is not None:
            sample['instance_group'] = groups[i]
        samples.append(sample)
    return samples


def stack(samples, field):
    return np.stack([s[field][0].numpy() for s in samples])


@pytest.mark.parametrize('options', [True, dict(thresholds=PUBLISHED_THRESHOLDS['lvs'])])
def test_negative_audio_is_the_functional_definition_on_the_scored_clips(options):
    samples = clips()
    result, _ = scored_with_log(CIoUMetric(negative_audio=options), samples)
    gt = np.stack([boxes_to_gt_map(s['gt_bboxes'].numpy()) for s in samples])
    expected = negative_audio_scores(
        stack(samples, 'pred_heatmap'),
        dict(silence=stack(samples, 'pred_heatmap_silence'),
             noise=stack(samples, 'pred_heatmap_noise'),
             offscreen=stack(samples, 'pred_heatmap_other_audio')),
        gt, **({} if options is True else options))
    assert {k: v for k, v in result.items() if k.startswith('negative/')} == {
        f'negative/{k}': v for k, v in expected.items()}
    assert 'negative/F/pos-neg' in result
    if options is not True:
        assert result['negative/threshold/maxq3'] == PUBLISHED_THRESHOLDS['lvs']['maxq3']


def test_negative_audio_without_the_dataset_controls_says_what_to_set():
    with pytest.raises(ValueError, match="negative_audio=\\['silence', 'noise'\\]"):
        scored_with_log(CIoUMetric(negative_audio=True), clips(controls=('other',)))
    with pytest.raises(ValueError, match='unknown options'):
        CIoUMetric(negative_audio=dict(threshold=0.3))


def test_off_by_default():
    result, _ = scored_with_log(CIoUMetric(), clips(groups=None))
    assert not [k for k in result if k.startswith(('negative/', 'instances/', ORACLE))]


def test_instances_score_every_frame_by_its_weakest_instance():
    groups = [f'frame{i // 2}' for i in range(40)]
    samples = clips(groups=groups)
    metric = CIoUMetric()
    result, _ = scored_with_log(metric, samples)
    cious = CIoUMetric().clip_cious([dict(e) for e in metric.results])
    expected = instance_scores(cious, groups)
    assert {k: result[f'instances/{k}'] for k in expected} == expected
    assert result['instances/num_frames'] == 20 and result['instances/num_instances'] == 40
    mixed = clips(groups=groups)
    del mixed[3]['instance_group']
    with pytest.raises(ValueError, match='instance_group'):
        scored_with_log(CIoUMetric(), mixed)


def test_the_oracle_is_the_best_cut_on_the_test_set_and_says_so():
    samples = clips()
    result, log = scored_with_log(CIoUMetric(oracle=True), samples)
    reference = CIoUMetric()
    reference.process(None, samples)
    best = max(ciou_at_threshold(CIoUMetric(protocol=dict(name='absolute', value=v))
                                 .clip_cious(reference.results))
               for v in np.round(np.arange(0.05, 0.951, 0.05), 2))
    assert result[f'{ORACLE}/cIoU@0.5'] == best
    assert 0.05 <= result[f'{ORACLE}/threshold'] <= 0.95
    assert '[ORACLE: threshold chosen on the test set, not a score]' in log
    at_half = ciou_at_threshold(CIoUMetric(protocol='absolute').clip_cious(reference.results))
    assert result[f'{ORACLE}/cIoU@0.5'] >= at_half  # a search over cuts that include 0.5
