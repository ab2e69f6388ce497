"""The protocols against the published evaluators' logic on the real vggss.json,
with two predictions that need no model: a centred disc of half the frame and the
whole frame (a constant map). The expected values come from
``published_logic.py``, an independent loop-by-loop transcription of the public
evaluators, run once over the real annotations; the two clips whose boxes clip to
nothing are left out (the public code counts them as failures, see
docs/evaluation.md)."""
import functools
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from avloc.evaluation import CIoUMetric
from avloc.evaluation.functional import (boxes_to_gt_map, centre_prior_map, ciou,
                                         ciou_at_threshold, ciou_auc, get_protocol)
import published_logic
from avloc.datasets import read_box_file, read_id_list
from tool_runner import ROOT

META = Path(ROOT) / 'tools' / 'data' / 'vggsound' / 'meta'

# (list, prediction, protocol) -> (cIoU@0.5, AUC, mean ciou, clips scored)
EXPECTED = {
    ('vggss_test.csv', 'disc', 'lvs'): (0.339604, 0.374438, 0.374738, 5156),
    ('vggss_test.csv', 'disc', 'ezvsl'): (0.340380, 0.374486, 0.374742, 5156),
    ('vggss_test.csv', 'disc', 'absolute'): (0.282389, 0.365438, 0.365425, 5156),
    ('vggss_test.csv', 'disc', 'adaptive'): (0.436773, 0.429495, 0.427198, 5156),
    ('ssltie_test_vggss_4911.txt', 'disc', 'lvs'): (0.339442, 0.374033, 0.374393, 4911),
    ('ssltie_test_vggss_4911.txt', 'disc', 'ezvsl'): (0.340257, 0.374104, 0.374397, 4911),
    ('ssltie_test_vggss_4911.txt', 'disc', 'absolute'): (0.281613, 0.365287, 0.365272,
                                                         4911),
    ('ssltie_test_vggss_4911.txt', 'disc', 'adaptive'): (0.436978, 0.429648, 0.427378,
                                                         4911),
}
PROTOCOLS = ('lvs', 'ezvsl', 'absolute', 'adaptive')


@functools.lru_cache()
def gt_maps(list_name):
    boxes = read_box_file(str(META / 'vggss.json'), 'clip')
    maps = [boxes_to_gt_map(boxes[i][1]) for i in read_id_list(str(META / list_name))]
    return [m for m in maps if m.sum() > 0]


def baseline(name):
    return centre_prior_map() if name == 'disc' else np.ones((224, 224), np.float32)


@pytest.mark.parametrize('key', sorted(EXPECTED))
def test_centred_disc_matches_the_published_logic(key):
    list_name, prediction, protocol = key
    proto = get_protocol(protocol)
    heat = baseline(prediction)
    fixed = None if protocol == 'adaptive' else proto.predict(heat, None)
    cious = [ciou(fixed if fixed is not None else proto.predict(heat, gt), gt)
             for gt in gt_maps(list_name)]
    at_half, auc, mean, count = EXPECTED[key]
    assert len(cious) == count
    assert ciou_at_threshold(cious) == pytest.approx(at_half, abs=1e-6)
    assert ciou_auc(cious)[0] == pytest.approx(auc, abs=1e-6)
    assert np.mean(cious) == pytest.approx(mean, abs=1e-6)


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_whole_frame_predicts_nothing_as_published(protocol):
    # A constant map is NaN after the public min-max step and predicts no pixel.
    gt = gt_maps('vggss_test.csv')[0]
    assert not get_protocol(protocol).predict(baseline('whole'), gt).any()
    assert np.nan_to_num(getattr(published_logic, f'ciou_{protocol}')(
        baseline('whole'), gt)) == 0.0


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_metric_end_to_end_equals_the_transcription(protocol):
    """The registered metric, fed raw entries from vggss.json, gives what the
    transcription computes live on the same clips (a 14x14 heatmap exercises the
    protocol's resize)."""
    entries = json.loads((META / 'vggss.json').read_text())[:150]
    rng = np.random.default_rng(0)
    metric = CIoUMetric(protocol=protocol)
    expected = []
    for entry in entries:
        heat = rng.random((14, 14)).astype(np.float32)
        metric.process(None, [dict(clip_id=entry['file'],
                                   pred_heatmap=torch.from_numpy(heat)[None],
                                   gt_bboxes=torch.tensor(entry['bbox']).reshape(-1, 4))])
        gt = published_logic.gt_map_from_boxes(entry['bbox'])
        if gt.sum() == 0:
            continue
        if get_protocol(protocol).align_corners:  # EZ-VSL's F.interpolate
            resized = torch.nn.functional.interpolate(
                torch.from_numpy(heat)[None, None], size=(224, 224), mode='bilinear',
                align_corners=True)[0, 0].numpy()
        else:  # LVS's cv2.resize
            resized = cv2.resize(heat, (224, 224), interpolation=cv2.INTER_LINEAR)
        expected.append(getattr(published_logic, f'ciou_{protocol}')(resized, gt))
    result = metric.compute_metrics(metric.results)
    at_half, auc = published_logic.finalize(expected)
    assert result['num_scored'] == len(expected)
    assert result['cIoU@0.5'] == pytest.approx(at_half)
    assert result['AUC'] == pytest.approx(auc)
