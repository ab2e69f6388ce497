import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from avloc.evaluation import RetrievalMetric
from avloc.evaluation.functional import build_index, retrieval_scores, search
from avloc.models.utils import attach_predictions
from avloc.structures import AVDataSample

HERE = os.path.dirname(os.path.abspath(__file__))


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(gallery, queries, k, exclude=None):
    """Rank every gallery item by float64 inner product (summed in one order, so
    copies tie exactly), ties by lower index."""
    scores = (queries[:, None].astype(np.float64) * gallery[None].astype(np.float64)).sum(-1)
    ranked = []
    for q, row in enumerate(scores):
        order = np.lexsort((np.arange(len(row)), -row))
        if exclude is not None:
            order = order[order != exclude[q]]
        ranked.append(order[:k])
    return np.array(ranked)


@pytest.fixture(scope='module')
def tied_gallery():
    """Random unit vectors with 60 exact copies of one vector (ties wider than the
    search margin) and pairs of copies elsewhere."""
    rng = np.random.default_rng(0)
    gallery = rng.standard_normal((3000, 24))
    gallery[200:260] = gallery[3]
    gallery[1000:1100:2] = gallery[1001:1101:2]
    return unit(gallery)


@pytest.mark.parametrize('exclude_self', [False, True])
def test_exact_search_equals_brute_force_with_ties(tied_gallery, exclude_self):
    queries = tied_gallery[:400]
    exclude = np.arange(400) if exclude_self else None
    index, text = build_index(tied_gallery, device='cpu')
    assert text.startswith('exact inner product')
    found = search(index, tied_gallery, queries, 25, exclude, batch_size=128)
    np.testing.assert_array_equal(found, brute_force(tied_gallery, queries, 25, exclude))
    assert (found[3] != 3).all() if exclude_self else found[3, 0] == 3


def test_full_ranking_equals_brute_force(tied_gallery):
    gallery = tied_gallery[:500]
    index = build_index(gallery, device='cpu')[0]
    found = search(index, gallery, gallery[:100], 499, exclude=np.arange(100))
    np.testing.assert_array_equal(found, brute_force(gallery, gallery[:100], 499,
                                                     np.arange(100)))


def test_search_returns_minus_one_past_a_small_gallery():
    gallery = unit(np.eye(3) + 0.1)
    found = search(build_index(gallery, device='cpu')[0], gallery, gallery, 4,
                   exclude=np.arange(3))
    assert (found[:, 2:] == -1).all() and (found[:, :2] >= 0).all()


@pytest.mark.parametrize('cfg', [dict(type='ivf', nlist=16, nprobe=8),
                                 dict(type='hnsw', M=16, ef_search=64)])
def test_approximate_indexes_find_most_exact_neighbours(cfg):
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((20, 32))
    gallery = unit(centres[rng.integers(0, 20, 4000)] + 0.3 * rng.standard_normal((4000, 32)))
    queries = gallery[:300]
    exact = brute_force(gallery, queries, 10)
    found = search(build_index(gallery, cfg, 'cpu')[0], gallery, queries, 10, exact=False)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact)])
    assert recall > 0.9


def test_index_errors():
    gallery = unit(np.ones((4, 3)))
    with pytest.raises(ValueError, match="index type must be 'exact', 'ivf' or 'hnsw'"):
        build_index(gallery, dict(type='lsh'))
    with pytest.raises(ValueError, match=r"ivf index: unknown options \['nlists'\]"):
        build_index(gallery, dict(type='ivf', nlists=3))
    with pytest.raises(RuntimeError, match='faiss-gpu'):
        build_index(gallery, device='gpu')


def test_scores_by_hand():
    # Query 1: hits at ranks 1 and 3 of 2 relevant; query 2: a hit at rank 4 of 3.
    relevant = np.array([[1, 0, 1, 0], [0, 0, 0, 1]], bool)
    scores = retrieval_scores(relevant, np.array([2, 3]), ks=(1, 2), map_k=4)
    expected = {'A@1': 0.5, 'P@1': 0.5, 'R@1': 0.25, 'A@2': 0.5, 'P@2': 0.25,
                'R@2': 0.25, 'mAP@4': ((1 + 2 / 3) / 2 + (1 / 4) / 3) / 2}
    assert scores == pytest.approx(expected)


def sample(clip_id, label, audio, visual=None):
    s = dict(clip_id=clip_id, gt_label=label,
             audio_embedding=torch.tensor(audio, dtype=torch.float32))
    s['visual_embedding'] = torch.tensor(audio if visual is None else visual,
                                         dtype=torch.float32)
    return s


def test_metric_by_hand():
    # Two classes on a circle: a0, a1 (class 0) near angle 0; b0, b1 (class 1) near
    # 90 degrees, but b1 leans towards class 0. Audio -> audio, query left out:
    # a0 -> a1 first (hit); a1 -> a0 (hit); b0 -> b1 (hit); b1 -> a1 (miss), b0 2nd.
    angles = np.radians([0, 20, 90, 50])
    vectors = np.stack([np.cos(angles), np.sin(angles)], 1)
    metric = RetrievalMetric(directions=('a2a',), ks=(1, 2), random_baseline=False)
    metric.process(None, [sample(n, lab, v) for n, lab, v in
                          zip(['a0', 'a1', 'b0', 'b1'], [0, 0, 1, 1], vectors)])
    result = metric.compute_metrics(metric.results)
    assert result['a2a/A@1'] == 0.75 and result['a2a/P@1'] == 0.75
    assert result['a2a/A@2'] == 1.0 and result['a2a/P@2'] == 0.5
    # AP: 1, 1, 1 and 1/2 (the only relevant item at rank 2).
    assert result['a2a/mAP'] == pytest.approx((1 + 1 + 1 + 0.5) / 4)
    assert result['num_queries'] == 4 and result['num_queries_without_match'] == 0


def test_metric_cross_modal_and_random_rows():
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(5), 8)
    centres = unit(rng.standard_normal((5, 32)))
    audio = unit(centres[labels] + 0.05 * rng.standard_normal((40, 32)))
    visual = unit(centres[labels] + 0.05 * rng.standard_normal((40, 32)))
    metric = RetrievalMetric(ks=(1, 5), map_k=10)
    metric.process(None, [sample(str(i), int(lab), a, v) for i, (lab, a, v) in
                          enumerate(zip(labels, audio, visual))])
    result = metric.compute_metrics(metric.results)
    for direction in ('a2a', 'a2i', 'i2a'):
        assert result[f'{direction}/A@1'] == 1.0  # well-separated classes
        assert result[f'random/{direction}/P@5'] < 0.5  # chance is 7/39
    assert result['num_classes'] == 5


def test_metric_counts_queries_without_a_match():
    metric = RetrievalMetric(directions=('a2a',), ks=(1,), random_baseline=False)
    metric.process(None, [sample('x', 0, [1, 0]), sample('y', 0, [0.9, 0.1]),
                          sample('z', 1, [0, 1])])
    result = metric.compute_metrics(metric.results)
    assert result['num_queries_without_match'] == 1 and result['a2a/A@1'] == 1.0


def test_bad_input_is_named():
    metric = RetrievalMetric(random_baseline=False)
    with pytest.raises(ValueError, match='the gallery is empty'):
        metric.compute_metrics([])
    metric.process(None, [sample('x', None, [1, 0]), sample('y', 0, [0, 1])])
    with pytest.raises(ValueError, match=r"1 clips have no class label .*\['x'\]"):
        metric.compute_metrics(metric.results)
    metric.results = []
    metric.process(None, [sample('x', 0, [np.nan, 0]), sample('y', 0, [0, 1])])
    with pytest.raises(ValueError, match=r"1 audio embeddings hold NaN or inf, e.g. clips \['x'\]"):
        metric.compute_metrics(metric.results)
    metric.results = []
    metric.process(None, [sample('x', 0, [1, 0], [1, 0, 0]), sample('y', 0, [0, 1], [0, 1, 0])])
    with pytest.raises(ValueError, match='one embedding size'):
        metric.compute_metrics(metric.results)
    metric.results = []
    metric.process(None, [sample('x', 0, [1, 0])])
    with pytest.raises(ValueError, match='gallery is empty once'):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match='directions must be among'):
        RetrievalMetric(directions=('a2v',))
    with pytest.raises(ValueError, match='predicted no visual_embedding'):
        RetrievalMetric().process(None, [dict(clip_id='x', gt_label=0,
                                              audio_embedding=torch.ones(2))])


def test_visual_pooling_options():
    visual = torch.zeros(1, 2, 2, 2)
    visual[0, 0, 0, 0] = 4.0  # channel 0 peaks at one location
    visual[0, 1] = 1.0        # channel 1 is flat
    args = ([AVDataSample()], torch.zeros(1, 1, 2, 2), visual, torch.ones(1, 2))
    avg = attach_predictions(*args)[0].visual_embedding
    peak = attach_predictions(*args, visual_pooling='max')[0].visual_embedding
    torch.testing.assert_close(avg, torch.tensor([1.0, 1.0]) / 2 ** 0.5)
    torch.testing.assert_close(peak, torch.tensor([4.0, 1.0]) / 17 ** 0.5)
    with pytest.raises(ValueError, match="'avg' or 'max'"):
        attach_predictions(*args, visual_pooling='attention')


def test_one_and_two_processes_agree(tmp_path):
    script = os.path.join(HERE, 'retrieval_dist_script.py')
    one, two = str(tmp_path / 'one.json'), str(tmp_path / 'two.json')
    subprocess.run([sys.executable, script, one], check=True, cwd=HERE)
    torchrun = shutil.which('torchrun') or os.path.join(os.path.dirname(sys.executable),
                                                        'torchrun')
    proc = subprocess.run([torchrun, '--nproc_per_node=2', '--master_port=29577', script,
                           two], cwd=HERE, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(one) as f, open(two) as g:
        single, double = json.load(f), json.load(g)
    assert single == double
    assert single['retrieval/num_queries'] == 101
