"""CIoUMetric's batched scoring, in several threads, against the per-clip
definitions it replaced (``protocol.predict``, ``ciou``, ``confidence_score``,
``size_bin`` clip by clip): every key of ``compute_metrics``, with boxes and
masks, clips without an other-audio heatmap, non-sounding clips, empty ground
truth under both policies and the extended protocol."""
import numpy as np
import pytest
import torch

from avloc.evaluation import CIoUMetric
from avloc.evaluation.functional import (SIZE_BINS, boxes_to_gt_map, centre_prior_map, ciou,
                                         ciou_at_threshold, ciou_auc, confidence_score,
                                         detection_scores, get_protocol, mask_to_gt_map, size_bin)


@pytest.fixture
def two_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def make_entries(num: int = 150) -> list:
    """ciou_entry-style dicts: random and constant heatmaps, box or mask ground
    truth (some empty), an other-audio heatmap for most, a few non-sounding."""
    rng = np.random.default_rng(7)
    entries = []
    for i in range(num):
        heat = rng.uniform(-1, 1, (14, 14)) if i % 9 else np.full((14, 14), -0.4)
        entry = dict(clip_id=f'c{i}', heatmap=heat.astype(np.float32),
                     is_sounding=i % 23 != 5)
        corner = rng.uniform(0, 0.6, (rng.integers(1, 3), 2))
        boxes = np.concatenate([corner, corner + rng.uniform(0.05, 0.5, corner.shape)], 1)
        entry['gt_bboxes'] = (boxes if i % 11 else np.array([[0.3, 0.3, 0.3, 0.8]])
                              ).astype(np.float32)
        if i % 13 == 4:
            entry['gt_mask'] = (rng.random((30, 40)) > 0.6).astype(np.float32)
        if i % 6:
            entry['heatmap_other_audio'] = rng.uniform(-1, 1, (7, 7)).astype(np.float32)
        entries.append(entry)
    return entries


def expected_metrics(metric: CIoUMetric, entries: list) -> dict:
    """compute_metrics' keys, clip by clip with the per-clip definitions."""
    protocol = get_protocol(metric.protocol)
    visible = [e for e in entries if e['is_sounding']]
    gts = [mask_to_gt_map(e['gt_mask']) if 'gt_mask' in e else
           boxes_to_gt_map(e['gt_bboxes'], rule=metric.gt_map) for e in visible]
    keep = [metric.empty_gt == 'fail' or gt.any() for gt in gts]
    scored = [(e, gt) for (e, gt), k in zip(zip(visible, gts), keep) if k]
    rows = dict(model=[ciou(protocol.predict(e['heatmap'], gt), gt) for e, gt in scored],
                prior=[ciou(protocol.predict(centre_prior_map(), gt), gt) for _, gt in scored],
                other=[ciou(protocol.predict(e['heatmap_other_audio'], gt), gt)
                       for e, gt in scored if 'heatmap_other_audio' in e])
    out = {}
    for name, prefix in (('model', ''), ('prior', 'centre_prior/'), ('other', 'other_audio/')):
        out[f'{prefix}cIoU@0.5'] = ciou_at_threshold(rows[name])
        out[f'{prefix}AUC'] = ciou_auc(rows[name])[0]
        out[f'{prefix}mean_cIoU'] = float(np.mean(np.nan_to_num(rows[name])))
    if metric.extended:
        conf_visible = [confidence_score(e['heatmap']) for e, _ in scored]
        conf_silent = [confidence_score(e['heatmap']) for e in entries if not e['is_sounding']]
        conf_silent += [confidence_score(e['heatmap_other_audio']) for e, _ in scored
                        if 'heatmap_other_audio' in e]
        for iou in (0.5, 0.75):
            scores = detection_scores(conf_visible, rows['model'], conf_silent, iou)
            out.update({f'extended/{k}@{iou:g}': v for k, v in scores.items()})
        sizes = [size_bin(gt) for _, gt in scored]
        for name, _, _ in SIZE_BINS:
            cious = [c for c, s in zip(rows['model'], sizes) if s == name]
            out[f'size/{name}/num_clips'] = len(cious)
            if cious:
                out[f'size/{name}/cIoU@0.5'] = ciou_at_threshold(cious)
        out['extended/num_non_visible'] = len(conf_silent)
    out.update(num_listed=len(entries), num_scored=len(scored),
               num_unscored=len(visible) - len(scored),
               num_empty_gt=sum(not gt.any() for gt in gts))
    return out


@pytest.mark.parametrize('options', [dict(), dict(protocol='adaptive', extended=True),
                                     dict(protocol='sslalign', empty_gt='skip'),
                                     dict(protocol='ezvsl', gt_map='consensus',
                                          extended=True)], ids=str)
def test_compute_metrics_equals_the_per_clip_definitions(options, two_threads):
    entries = make_entries()
    metric = CIoUMetric(**options)
    result = metric.compute_metrics(entries)
    expected = expected_metrics(metric, entries)
    assert result == expected  # every key, every value to the last bit
    visible = [e for e in entries if e['is_sounding']]
    gts = np.stack([metric._gt_map(e) for e in visible])
    np.testing.assert_array_equal(metric.gt_maps(visible), gts)
    np.testing.assert_array_equal(metric.ground_truth(visible[:32]).gt_maps(), gts[:32])
    cious = metric.batch_cious([e['heatmap'] for e in visible], gts)
    keep = gts.any(axis=(1, 2)) if metric.empty_gt == 'skip' else np.ones(len(gts), bool)
    np.testing.assert_array_equal(metric.clip_cious(entries), cious[keep])
    prior = centre_prior_map()
    np.testing.assert_array_equal(
        metric.clip_cious(entries, prior),
        [ciou(metric.protocol.predict(prior, gt), gt) for gt in gts[keep]])
