"""Time the retrieval evaluator's search against numpy brute force on large galleries.

    python tools/analysis/benchmark_retrieval.py --sizes 100000 1000000 \
        --out work_dirs/retrieval_benchmark.json

For each gallery size, clustered random 512-d unit vectors (1,000 classes) form the
gallery and ``--queries`` of them the queries (each left out of its own results,
as in audio -> audio retrieval). Each method runs in a fresh process, which reports
its wall time and peak resident memory; the approximate indexes also report their
recall@10 against the exact neighbours. Methods:

* ``numpy``: brute force, a (batch x gallery) score matrix per ``--numpy-batch``
  queries, then ``argpartition`` + sort for the top 10;
* ``exact``, ``ivf``, ``hnsw``: ``avloc.evaluation.functional.search`` with that
  FAISS index, ``--batch`` queries per FAISS call (RetrievalMetric's default), index
  build included.

``--skip`` leaves out methods at sizes where they are too slow for the machine, e.g.
``--skip hnsw@1000000``.
"""
import argparse
import json
import multiprocessing as mp
import os
import resource
import time

import numpy as np

K = 10
INDEXES = {'exact': dict(type='exact'), 'ivf': dict(type='ivf', nlist=1024, nprobe=32),
           'hnsw': dict(type='hnsw', M=32, ef_search=128, ef_construction=200)}


def make_data(size: int, num_queries: int, dim: int = 512, seed: int = 0):
    """(size, dim) clustered unit vectors in float32 and the query indices."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, dim)).astype(np.float32)
    gallery = np.empty((size, dim), np.float32)
    for start in range(0, size, 100_000):  # in chunks: no float64 copy of the whole
        stop = min(size, start + 100_000)
        chunk = centres[rng.integers(0, 1000, stop - start)]
        chunk += 2.0 * rng.standard_normal(chunk.shape, dtype=np.float32)
        gallery[start:stop] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return gallery, rng.choice(size, num_queries, replace=False)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_method(method: str, size: int, num_queries: int, batch: int, numpy_batch: int,
               queue) -> None:
    from avloc.evaluation.functional import build_index, search  # not timed
    gallery, picks = make_data(size, num_queries)
    queries = gallery[picks]
    data_mb = peak_rss_mb()
    start = time.perf_counter()
    if method == 'numpy':
        found = []
        for first in range(0, len(picks), numpy_batch):
            scores = queries[first:first + numpy_batch] @ gallery.T  # (batch, N)
            scores[np.arange(len(scores)), picks[first:first + numpy_batch]] = -np.inf
            top = np.argpartition(scores, -K, axis=1)[:, -K:]
            order = np.argsort(-np.take_along_axis(scores, top, 1), axis=1)
            found.append(np.take_along_axis(top, order, 1))
        found = np.concatenate(found)
    else:
        index, _ = build_index(gallery, INDEXES[method], device='auto')
        found = search(index, gallery, queries, K, exclude=picks,
                       exact=method == 'exact', batch_size=batch)
    seconds = time.perf_counter() - start
    queue.put(dict(method=method, size=size, seconds=round(seconds, 2),
                   data_mb=round(data_mb), peak_mb=round(peak_rss_mb()),
                   found=found.tolist()))


def measure(method: str, size: int, args: argparse.Namespace) -> dict:
    ctx = mp.get_context('spawn')  # a fresh process: its peak memory is its own
    queue = ctx.Queue()
    proc = ctx.Process(target=run_method, args=(method, size, args.queries, args.batch,
                                                args.numpy_batch, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[100_000, 1_000_000])
    parser.add_argument('--queries', type=int, default=10000)
    parser.add_argument('--batch', type=int, default=4096,
                        help='queries per FAISS call (RetrievalMetric.query_batch_size)')
    parser.add_argument('--numpy-batch', type=int, default=256,
                        help='queries per numpy score matrix (256 x 1M floats = 1 GB)')
    parser.add_argument('--methods', nargs='+', default=['numpy', *INDEXES])
    parser.add_argument('--skip', nargs='*', default=[], help='method@size to leave out')
    parser.add_argument('--out', default='work_dirs/retrieval_benchmark.json')
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        exact = None
        for method in args.methods:
            if f'{method}@{size}' in args.skip:
                continue
            result = measure(method, size, args)
            found = np.array(result.pop('found'))
            if method == 'exact':
                exact = found
            if exact is not None and method != 'exact':
                result['recall@10_vs_exact'] = round(float(np.mean(
                    [len(set(a) & set(b)) / K for a, b in zip(found, exact)])), 4)
            rows.append(result)
            print(json.dumps(result), flush=True)
    by_size = {}
    for row in rows:
        by_size.setdefault(row['size'], {})[row['method']] = row['seconds']
    for size, times in by_size.items():
        if 'numpy' in times:
            for method, seconds in times.items():
                print(f'{size:>9} gallery items: {method:<6} {seconds:8.2f} s '
                      f'({times["numpy"] / seconds:.2f}x numpy brute force)')
    os.makedirs(os.path.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(queries=args.queries, k=K, dim=512, cpu_count=os.cpu_count(),
                       rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
