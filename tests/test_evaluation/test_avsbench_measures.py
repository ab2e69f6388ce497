"""AVSBench's mIoU and F-score: avloc's vectorised measures against a transcription of
the public evaluator (tests/public_avsbench.py), and AVSBenchMetric on top of them."""

import numpy as np
import pytest
import torch
from metric_logs import scored_with_log
from public_avsbench import Eval_Fmeasure, _eval_pr, mask_iou, run_test_loop

from avloc.evaluation.functional.avsbench import (avsbench_fscore, avsbench_miou, batch_fscore,
                                                  batch_miou, frame_ious, fscore_curves,
                                                  heatmap_probabilities)
from avloc.evaluation.metrics.avsbench_metric import AVSBenchMetric


def blob_masks(num, h, w, rng, black=()):
    """(num, h, w) float masks, each a random rectangle; frames in ``black`` empty."""
    masks = torch.zeros(num, h, w)
    for i in range(num):
        if i in black:
            continue
        y, x = rng.integers(0, h - 2), rng.integers(0, w - 2)
        masks[i, y:rng.integers(y + 1, h + 1), x:rng.integers(x + 1, w + 1)] = 1
    return masks


def random_logits(num, h, w, seed):
    """Logits with the awkward values: 0 (sigmoid exactly 0.5), saturating ones
    (sigmoid 0 or exactly 1, the last threshold) and a spread in between."""
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(num, h, w, generator=gen) * 3
    logits.view(-1)[::7] = 0.0
    logits.view(-1)[1::11] = 40.0
    logits.view(-1)[2::13] = -40.0
    return logits


@pytest.mark.parametrize('num, seed', [(47, 0), (20, 1), (3, 2)])
def test_measures_equal_the_public_evaluator(num, seed):
    """Batches of 20, the last one short, and all-black masks among them."""
    rng = np.random.default_rng(seed)
    logits = random_logits(num, 24, 32, seed)
    masks = blob_masks(num, 24, 32, rng, black={1, 5, 22, 23})
    public_miou, public_f = run_test_loop(logits, masks)
    probs = torch.sigmoid(logits)
    assert avsbench_miou(probs, masks) == pytest.approx(public_miou, abs=1e-6)
    assert avsbench_fscore(probs, masks) == pytest.approx(public_f, abs=1e-6)
    # numpy in, bool masks: the same numbers.
    from_numpy = avsbench_fscore(probs.numpy(), masks.numpy() > 0)
    assert from_numpy == pytest.approx(public_f, abs=1e-6)


def test_each_frames_curve_equals_the_public_one():
    """Every threshold, not only the best: sigmoid 0.5 and 1.0 sit exactly on
    thresholds 127 and 254, where '>=' and '>' part."""
    rng = np.random.default_rng(6)
    logits = random_logits(4, 24, 32, 6)
    masks = blob_masks(4, 24, 32, rng)
    probs = torch.sigmoid(logits)
    assert (probs == 1).any() and (probs == 0.5).any()
    curves = fscore_curves(probs, masks)
    for i in range(4):
        prec, recall = _eval_pr(probs[i], masks[i], 255)
        public = 1.3 * prec * recall / (0.3 * prec + recall)
        public[public != public] = 0
        np.testing.assert_allclose(curves[i].numpy(), public.numpy(), rtol=0, atol=1e-7)


def test_batching_is_the_public_loops():
    """One video per batch (test_batch_size 1) is frames_per_batch=5, and the
    batch size changes the numbers: the score is a mean of batch means."""
    rng = np.random.default_rng(3)
    logits = random_logits(15, 16, 16, 3)
    masks = blob_masks(15, 16, 16, rng, black={0, 1, 2, 3})
    probs = torch.sigmoid(logits)
    for batch_videos in (1, 2):
        public_miou, public_f = run_test_loop(logits, masks, test_batch_size=batch_videos)
        frames = 5 * batch_videos
        assert avsbench_miou(probs, masks, frames) == pytest.approx(public_miou, abs=1e-6)
        assert avsbench_fscore(probs, masks, frames) == pytest.approx(public_f, abs=1e-6)
    assert avsbench_fscore(probs, masks, 5) != pytest.approx(avsbench_fscore(probs, masks, 15))


def test_all_black_masks_are_left_out_of_the_fscore():
    rng = np.random.default_rng(4)
    logits = random_logits(6, 16, 16, 4)
    masks = blob_masks(6, 16, 16, rng, black={2, 4})
    probs = torch.sigmoid(logits)
    keep = [0, 1, 3, 5]
    # Within a batch, the black frames change nothing ...
    assert batch_fscore(probs, masks) == pytest.approx(batch_fscore(probs[keep], masks[keep]),
                                                       abs=1e-7)
    assert batch_fscore(probs, masks) == pytest.approx(Eval_Fmeasure(logits, masks), abs=1e-6)
    # ... and a batch of only black frames scores 0, kept in the mean over batches.
    assert batch_fscore(probs[[2, 4]], masks[[2, 4]]) == 0.0
    assert Eval_Fmeasure(logits[[2, 4]], masks[[2, 4]]) == 0.0
    both = avsbench_fscore(probs[[0, 1, 2, 4]], masks[[0, 1, 2, 4]], frames_per_batch=2)
    assert both == pytest.approx(batch_fscore(probs[:2], masks[:2]) / 2, abs=1e-7)
    # Each frame's curve: a black frame's is 0 everywhere.
    curves = fscore_curves(probs, masks)
    assert curves.shape == (6, 255) and not curves[[2, 4]].any() and curves[keep].max() > 0


def test_no_object_iou_counts_the_pixels_left_empty():
    """An all-black mask scores the pixels predicted empty over all pixels."""
    logits = torch.full((2, 4, 4), -5.0)
    logits[0, 0, :3] = 5.0  # 3 of 16 pixels predicted on a black mask
    masks = torch.zeros(2, 4, 4)
    masks[1, :2] = 1  # an object; nothing predicted
    probs = torch.sigmoid(logits)
    ious = frame_ious(probs, masks)
    assert ious[0].item() == pytest.approx(13 / 16) and ious[1].item() == 0.0
    assert batch_miou(probs, masks) == pytest.approx(mask_iou(logits, masks).item(), abs=1e-7)
    assert batch_miou(probs, masks) == pytest.approx(13 / 32)
    # Nothing predicted on a black mask is a perfect frame.
    assert frame_ious(torch.zeros(1, 4, 4), torch.zeros(1, 4, 4)).item() == pytest.approx(1.0)


def test_heatmap_probabilities_minmax_and_constant_maps():
    heat = np.zeros((2, 7, 7), np.float32)
    heat[0, 3, 3] = 4.0
    heat[0, 0, 0] = -2.0
    heat[1] = 0.3  # constant: no range
    probs = heatmap_probabilities(heat, size=56)
    assert probs.shape == (2, 56, 56) and probs.dtype == np.float32
    assert probs[0].min() == 0.0 and probs[0].max() == 1.0
    assert not probs[1].any()
    # A constant map predicts nothing (mIoU 1 on a black mask, 0 on an object) and
    # everything at the F-score's threshold 0.
    mask = np.zeros((1, 56, 56))
    mask[0, :28] = 1
    assert batch_miou(probs[1:], mask) == 0.0
    assert batch_fscore(probs[1:], mask) == pytest.approx(1.3 * 0.5 / (0.3 * 0.5 + 1))


@pytest.mark.parametrize('probs, masks, error', [
    (np.full((1, 4, 4), 1.5), np.zeros((1, 4, 4)), r'in \[0, 1\]'),
    (np.full((1, 4, 4), np.nan), np.zeros((1, 4, 4)), r'finite'),
    (np.zeros((1, 4, 4)), np.full((1, 4, 4), 255), r'binary'),
    (np.zeros((1, 4, 4)), np.zeros((1, 4, 5)), r'\(N, H, W\).*\(1, 4, 4\) and \(1, 4, 5\)'),
    (np.zeros((0, 4, 4)), np.zeros((0, 4, 4)), r'no frames'),
])
def test_bad_inputs_are_named(probs, masks, error):
    with pytest.raises(ValueError, match=error):
        avsbench_miou(probs, masks)
    with pytest.raises(ValueError, match=r'frames_per_batch must be at least 1'):
        avsbench_fscore(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), frames_per_batch=0)


def sample(clip_id, heat, mask, other=None):
    s = dict(clip_id=clip_id, pred_heatmap=torch.as_tensor(heat)[None].float(),
             gt_bboxes=torch.zeros(0, 4), gt_mask=torch.as_tensor(mask, dtype=torch.uint8))
    if other is not None:
        s['pred_heatmap_other_audio'] = torch.as_tensor(other)[None].float()
    return s


def test_metric_scores_frames_in_order_in_batches_of_20():
    rng = np.random.default_rng(5)
    num = 45  # 3 batches, the last of 5 frames
    heats = rng.normal(size=(num, 7, 7)).astype(np.float32)
    others = rng.normal(size=(num, 7, 7)).astype(np.float32)
    masks = blob_masks(num, 224, 224, rng, black={3, 40}).numpy().astype(np.uint8)
    metric = AVSBenchMetric()
    metric.dataset_meta = dict(list_name='ms3_meta_data.csv', list_md5='abc', num_listed=45)
    result, log = scored_with_log(metric, [sample(f'v{i // 5}_{i % 5 + 1}', h, m, o)
                                           for i, (h, m, o) in enumerate(zip(heats, masks,
                                                                             others))])
    probs = heatmap_probabilities(heats)
    assert result['mIoU'] == pytest.approx(avsbench_miou(probs, masks), abs=1e-7)
    assert result['F-score'] == pytest.approx(avsbench_fscore(probs, masks), abs=1e-7)
    other = heatmap_probabilities(others)
    assert result['other_audio/F-score'] == pytest.approx(avsbench_fscore(other, masks),
                                                          abs=1e-7)
    assert 0 <= result['centre_prior/mIoU'] <= 1
    assert result['num_batches'] == 3 and result['num_no_object'] == 2
    # Another order makes other batches: the order is part of the score.
    shuffled = AVSBenchMetric()
    order = rng.permutation(num)
    shuffled.process(None, [sample('x', heats[i], masks[i]) for i in order])
    assert shuffled.compute_metrics(shuffled.results)['F-score'] != pytest.approx(
        result['F-score'], abs=1e-6)
    assert ('on ms3_meta_data.csv (md5 abc): 45 frames listed, 45 evaluated in 3 batches '
            'of 20; 2 with no sounding object') in log


def test_metric_masks_at_the_evaluation_size():
    """A mask at another resolution is resized to 224 with nearest neighbour."""
    heat = np.zeros((7, 7), np.float32)
    heat[:, :3] = 1.0  # the left of the frame
    mask = np.zeros((24, 32), np.uint8)
    mask[:, :16] = 255
    metric = AVSBenchMetric()
    metric.process(None, [sample('a_1', heat, mask)])
    result = metric.compute_metrics(metric.results)
    expected = np.zeros((1, 224, 224))
    expected[0, :, :112] = 1
    probs = heatmap_probabilities(heat[None])
    assert result['mIoU'] == pytest.approx(avsbench_miou(probs, expected), abs=1e-7)
    assert result['mIoU'] > 0.5


def test_metric_refuses_samples_without_masks():
    metric = AVSBenchMetric()
    no_mask = sample('v_1', np.zeros((7, 7)), np.zeros((4, 4)))
    del no_mask['gt_mask']
    with pytest.raises(ValueError, match=r'clip v_1 has no gt_mask.*LoadGroundTruthMask'):
        metric.process(None, [no_mask])
    with pytest.raises(ValueError, match=r'frames_per_batch must be at least 1'):
        AVSBenchMetric(frames_per_batch=0)
