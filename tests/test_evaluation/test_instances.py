import numpy as np
import pytest
from public_sslalign import Evaluator_iiou, bbox2gtmap, validate_is3

from avloc.evaluation.functional.ciou import ciou_at_threshold, ciou_auc
from avloc.evaluation.functional.instances import instance_group, instance_scores


def test_instance_group_is_the_stem_before_the_last_underscore():
    assert instance_group('accordion_baby_10467_baby') == 'accordion_baby_10467'
    assert instance_group('accordion_baby_10467_accordion') == 'accordion_baby_10467'
    assert instance_group('a_b') == 'a'
    assert instance_group('single') == ''  # the public rule: no '_', empty key


def test_a_frame_counts_only_when_every_instance_does():
    # Frame minima 0.62, 0.33, 0.91, none on a threshold of the grid: IIoU(t) is 1
    # for t <= 0.30 (7 points), 2/3 for 0.35..0.60 (6), 1/3 for 0.65..0.90 (6) and
    # 0 at 0.95 and 1; the trapezoid of step 0.05 is
    # 0.05 * (7 + 6 * 2/3 + 6 / 3 - 1 / 2) = 0.625.
    scores = instance_scores([0.62, 0.7, 0.33, 0.95, 0.91], ['a', 'a', 'b', 'b', 'c'])
    assert scores['IIoU@0.5'] == pytest.approx(2 / 3)
    assert scores['iAUC'] == pytest.approx(0.625)
    assert scores['num_frames'] == 3 and scores['num_instances'] == 5
    assert instance_scores([0.62, 0.7, 0.33], ['a', 'a', 'b'],
                           threshold=0.3)['IIoU@0.3'] == 1.0


def test_single_instance_frames_give_the_clip_scores():
    cious = np.random.default_rng(0).random(50)
    scores = instance_scores(cious, range(50))
    assert scores['IIoU@0.5'] == ciou_at_threshold(cious, 0.5)
    assert scores['iAUC'] == ciou_auc(cious)[0]


def test_order_of_instances_does_not_matter():
    rng = np.random.default_rng(1)
    cious = rng.random(40)
    groups = [f'frame{i // 2}' for i in range(40)]
    order = rng.permutation(40)
    assert instance_scores(cious, groups) == instance_scores(
        cious[order], [groups[i] for i in order])


def test_a_nan_instance_fails_its_frame_where_the_public_code_gives_nan():
    cious, groups = [float('nan'), 0.9, 0.8, 0.8], ['a', 'a', 'b', 'b']
    scores = instance_scores(cious, groups)
    assert scores['IIoU@0.5'] == 0.5
    # Frame 'a' fails even at t = 0, frame 'b' passes up to 0.8 (0.05 * 16 = 0.8).
    curve = [0.5] * 17 + [0.0] * 4
    assert scores['iAUC'] == pytest.approx(np.trapezoid(curve, 0.05 * np.arange(21)))
    public = Evaluator_iiou()
    public.ciou, public.ciou_adap = list(cious), list(cious)
    public.iou = {'a': cious[:2], 'b': cious[2:]}
    public.iou_adap = dict(public.iou)
    assert np.isnan(public.finalize_cIoU()[2]) and np.isnan(public.finalize_IAUC())


def test_mismatched_or_empty_input_is_refused():
    with pytest.raises(ValueError, match='3 cious but 2 groups'):
        instance_scores([0.1, 0.2, 0.3], ['a', 'b'])
    with pytest.raises(ValueError, match='no instances'):
        instance_scores([], [])


def is3_like_set(rng):
    """Heatmaps, ground-truth maps and file names of 30 frames in IS3's naming: most
    with 2 instances, some with 1 or 3; heatmaps random, quantised (ties at the
    threshold) or with a plateau; one box empty, one the whole frame."""
    heatmaps, gt_maps, names = [], [], []
    objects = ('baby', 'cat', 'dog')
    for frame in range(30):
        for obj in objects[:(1, 2, 2, 3)[frame % 4]]:
            x1, y1 = rng.integers(0, 150, 2)
            x2, y2 = x1 + rng.integers(0, 224 - x1 + 1), y1 + rng.integers(0, 224 - y1 + 1)
            box = {5: [0, 0, 224, 224], 9: [30, 40, 30, 100]}.get(len(names),
                                                                  [x1, y1, x2, y2])
            gt_map = bbox2gtmap([box])
            # Half the heatmaps look at the box (its 7x7 coverage plus noise), so
            # both successes and failures occur.
            heatmap = rng.standard_normal((7, 7)).astype(np.float32)
            if rng.random() < 0.5:
                heatmap = gt_map.reshape(7, 32, 7, 32).mean((1, 3)).astype(np.float32) \
                    + 0.3 * heatmap
            kind = len(names) % 3
            if kind == 1:
                heatmap = np.round(heatmap)  # many equal values
            elif kind == 2:
                heatmap = np.maximum(heatmap, np.median(heatmap))  # a plateau
            heatmaps.append(heatmap)
            gt_maps.append(gt_map)
            names.append(f'scene{frame}_{frame * 7}_{obj}.jpg')
    return heatmaps, gt_maps, names


def test_iiou_and_iauc_equal_the_public_evaluator():
    """SSL-Align's validate_lvs on IS3-like instances (tests/public_sslalign.py)
    gives each instance its cious; fed the same cious, instance_scores returns
    finalize_cIoU's iiou and iiou_adap and finalize_IAUC / _adap exactly."""
    heatmaps, gt_maps, names = is3_like_set(np.random.default_rng(2))
    evaluator = validate_is3(heatmaps, gt_maps, names)
    assert not np.isnan(evaluator.ciou + evaluator.ciou_adap).any()
    groups = [instance_group(name[:-len('.jpg')]) for name in names]
    ours = instance_scores(evaluator.ciou, groups)
    ours_adaptive = instance_scores(evaluator.ciou_adap, groups)
    iauc, iauc_adap = evaluator.finalize_IAUC(), evaluator.finalize_IAUC_adap()
    _, _, iiou, iiou_adap = evaluator.finalize_cIoU()
    assert ours['num_frames'] == len(evaluator.iou) == 30
    assert ours['num_instances'] == len(names)
    assert ours['IIoU@0.5'] == iiou and ours_adaptive['IIoU@0.5'] == iiou_adap
    assert ours['iAUC'] == iauc and ours_adaptive['iAUC'] == iauc_adap
    # Neither score is degenerate on this set, and the two protocols differ.
    assert 0 < iiou < 1 and 0 < iauc < 1 and iauc != iauc_adap
