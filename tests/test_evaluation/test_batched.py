"""The batched scorer against the per-clip definitions (``protocol.predict`` and
``ciou``), clip by clip and to the last bit, on the awkward cases: constant maps,
ties at the threshold, more than half the frame at the maximum, tiny and huge
values, empty, consensus, mask and soft ground truth, every protocol and override."""
import numpy as np
import pytest
import torch

from avloc.evaluation.functional import (PROTOCOLS, boxes_to_gt_map, centre_prior_map, ciou,
                                         get_protocol, mask_to_gt_map)
from avloc.evaluation.functional.batched import (NUM_PIXELS, SAMPLE_STRIDE, BatchScorer,
                                                 GroundTruthBatch, count_rows, map_chunks)

OVERRIDES = [dict(name='absolute', value=0.3), dict(name='absolute', inclusive=True),
             dict(name='lvs', inclusive=True), dict(name='lvs', align_corners=True),
             dict(name='ezvsl', inclusive=False), dict(name='adaptive', inclusive=False),
             dict(name='sslalign', align_corners=False),
             dict(name='sslalign_adaptive', inclusive=True)]
ALL_PROTOCOLS = sorted(set(PROTOCOLS) - {'ssltie'}) + OVERRIDES


@pytest.fixture(scope='module', autouse=True)
def one_torch_thread():
    """The per-clip align_corners resize is one small torch call a clip: on shared
    cores torch's thread pool makes each one many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_boxes(rng: np.random.Generator) -> np.ndarray:
    corner = rng.uniform(-0.1, 0.7, (rng.integers(1, 4), 2))
    return np.concatenate([corner, corner + rng.uniform(0.05, 0.6, corner.shape)], axis=1)


def awkward_heatmaps(rng: np.random.Generator) -> list:
    """(h, w) float32 heatmaps, every case that has tripped a threshold rule."""
    maps = [np.full((14, 14), c) for c in (0.0, 0.42, -0.3, 1.0, -1e-9, 3.0)]
    plateau = np.ones((14, 14))
    plateau[2:5, 3:9] = 0.2  # over half the frame at the maximum
    maps += [plateau, 1 - plateau, np.round(rng.random((14, 14)) * 3) / 3,
             np.round(rng.random((14, 14)) * 8) / 8]  # quantised: ties at the cut
    maps += [rng.random((14, 14)) * 1e-30, rng.random((14, 14)) * 1e30 - 5e29,
             rng.standard_normal((14, 14)) * 1e-3, rng.random((7, 7)), rng.random((20, 15)),
             rng.random((1, 1)), rng.random((224, 224)), centre_prior_map()]
    yy, xx = np.mgrid[:14, :14]
    maps += [2 * np.exp(-((yy - 6) ** 2 + (xx - 3) ** 2) / 8.0) - 1,  # ties at -1
             (xx > 6).astype(float), np.where(xx % 2 == 0, 1.0, -1.0)]
    maps += [rng.uniform(-1, 1, (14, 14)) for _ in range(30)]
    maps += [rng.random((14, 14)) for _ in range(20)]
    return [np.asarray(m, np.float32) for m in maps]


def ground_truths(rng: np.random.Generator, num: int) -> np.ndarray:
    """(num, 224, 224) float32: box unions, consensus maps (0.5), masks, an empty
    map every seventh, the whole frame once."""
    gts = np.zeros((num, 224, 224), np.float32)
    for i in range(num):
        if i % 7 == 3:
            continue  # empty
        if i % 5 == 1:
            gts[i] = boxes_to_gt_map(random_boxes(rng), rule='consensus')
        elif i % 5 == 2:
            gts[i] = mask_to_gt_map(rng.random((28, 40)) > 0.7)
        else:
            gts[i] = boxes_to_gt_map(random_boxes(rng))
    gts[0] = 1
    gts[2] = 0  # with the negative constant map: nothing predicted, ciou NaN (LVS)
    return gts


@pytest.fixture(scope='module')
def clips():
    rng = np.random.default_rng(0)
    heatmaps = awkward_heatmaps(rng)
    return heatmaps, ground_truths(rng, len(heatmaps))


def per_clip(protocol, heatmaps, gts):
    preds = np.stack([protocol.predict(h, g) for h, g in zip(heatmaps, gts)])
    return preds, np.array([ciou(p, g) for p, g in zip(preds, gts)])


@pytest.mark.parametrize('name', ALL_PROTOCOLS, ids=str)
def test_batched_equals_per_clip_definitions(name, clips):
    heatmaps, gts = clips
    protocol = get_protocol(name)
    expected_preds, expected = per_clip(protocol, heatmaps, gts)
    scorer = BatchScorer(protocol, chunk_size=16)  # several chunks, a short last one
    np.testing.assert_array_equal(scorer.cious(heatmaps, gts), expected)  # NaN alike
    np.testing.assert_array_equal(scorer.predict(heatmaps, gts), expected_preds)


@pytest.mark.parametrize('name', ['lvs', 'adaptive', 'sslalign_adaptive'])
def test_one_heatmap_against_many_maps(name, clips):
    _, gts = clips
    protocol = get_protocol(name)
    prior = centre_prior_map()
    expected = [ciou(protocol.predict(prior, g), g) for g in gts]
    scorer = BatchScorer(protocol, chunk_size=16)
    np.testing.assert_array_equal(scorer.fixed_cious(prior, gts), expected)
    if not protocol.reads_gt:
        np.testing.assert_array_equal(
            scorer.prediction_cious(protocol.predict(prior), scorer.ground_truth(gts)),
            expected)


def test_soft_ground_truth_is_scored_clip_by_clip(clips):
    """Values other than 0, 0.5 and 1 make the sums inexact: ciou per clip."""
    heatmaps, gts = clips
    rng = np.random.default_rng(1)
    soft = gts * rng.random(gts.shape).astype(np.float32)
    scorer = BatchScorer('adaptive', chunk_size=64)
    truth = scorer.ground_truth(soft)
    assert not truth.exact and truth.maps is soft
    expected = [ciou(get_protocol('adaptive').predict(h, g), g) for h, g in zip(heatmaps, soft)]
    np.testing.assert_array_equal(scorer.cious(heatmaps, truth), expected)


@pytest.mark.parametrize('rule', ['union', 'consensus'])
def test_ground_truth_from_boxes_equals_the_maps(rule):
    rng = np.random.default_rng(2)
    boxes = [random_boxes(rng) for _ in range(40)]
    boxes[3] = np.zeros((0, 4))  # no box
    boxes[5] = np.array([[0.3, 0.3, 0.3, 0.9]])  # clips to nothing
    boxes[7] = np.array([[0.1, 0.1, 0.5, 0.5]] * 2)  # the same box twice: 1, not 0.5
    maps = np.stack([boxes_to_gt_map(b, rule=rule) for b in boxes])
    scorer = BatchScorer('lvs', chunk_size=64)
    drawn = scorer.ground_truth_from_boxes(boxes, rule=rule)
    np.testing.assert_array_equal(drawn.gt_maps(), maps)
    given = BatchScorer('lvs', chunk_size=64).ground_truth(maps)
    for field in ('nonzero', 'total', 'area'):
        np.testing.assert_array_equal(getattr(drawn, field), getattr(given, field))
    assert (drawn.halves is None) == (rule == 'union') == (given.halves is None)
    assert drawn.area[3] == drawn.area[5] == 0
    with pytest.raises(ValueError, match="rule must be 'union' or 'consensus'"):
        scorer.ground_truth_from_boxes(boxes, rule='mean')


def test_order_statistics_where_the_sampled_bracket_misses():
    """Rows built so that the strided sample misleads the bracket (its pixels hold
    the extremes), ties over most of the row, and extreme ranks: the selection falls
    back and still equals np.partition."""
    rng = np.random.default_rng(3)
    values = rng.random((6, NUM_PIXELS)).astype(np.float32)
    values[0, ::SAMPLE_STRIDE] = 10  # the sample sees only the top
    values[1, ::SAMPLE_STRIDE] = -10
    values[2, :40000] = 0.5  # a tie over most of the row
    values[3] = np.repeat(rng.random(NUM_PIXELS // 2), 2)  # every value twice
    values[4, 1::2] = values[4, ::2]
    ranks = np.array([NUM_PIXELS // 2, NUM_PIXELS // 2, 30000, 0, NUM_PIXELS - 1, 12345])
    scorer = BatchScorer('lvs', chunk_size=8)
    found = scorer._kth_smallest(values, ranks)
    expected = [np.partition(v, k)[k] for v, k in zip(values, ranks)]
    np.testing.assert_array_equal(found, expected)


def test_threads_give_the_chunks_of_one_thread(clips):
    heatmaps, gts = clips
    items = list(zip(heatmaps, gts))

    def score(chunk, scorer):
        return scorer.cious([h for h, _ in chunk], np.stack([g for _, g in chunk]))

    one = np.concatenate(map_chunks(score, items, 'lvs', chunk_size=8, num_threads=1))
    two = np.concatenate(map_chunks(score, items, 'ezvsl', chunk_size=8, num_threads=2))
    np.testing.assert_array_equal(one, BatchScorer('lvs').cious(heatmaps, gts))
    np.testing.assert_array_equal(two, BatchScorer('ezvsl').cious(heatmaps, gts))


def test_count_rows_and_bad_input():
    mask = np.zeros((3, 24), bool)
    mask[0, :5] = mask[2, [1, 7, 23]] = True
    assert count_rows(mask).tolist() == [5, 0, 3]
    scorer = BatchScorer('adaptive')
    with pytest.raises(ValueError, match=r'must be \(B, 224, 224\), got shape \(2, 10, 10\)'):
        scorer.ground_truth(np.zeros((2, 10, 10)))
    with pytest.raises(ValueError, match='3 heatmaps but 2 ground-truth maps'):
        scorer.cious(np.zeros((3, 7, 7)), np.zeros((2, 224, 224)))
    with pytest.raises(ValueError, match='pass truth'):
        scorer.predict(np.zeros((3, 7, 7)))
    with pytest.raises(ValueError, match='chunk_size must be at least 1'):
        BatchScorer('lvs', chunk_size=0)
    truth = BatchScorer('lvs').ground_truth(np.ones((4, 224, 224)))
    assert isinstance(truth.take([1, 3]), GroundTruthBatch) and len(truth.take([1, 3])) == 2
