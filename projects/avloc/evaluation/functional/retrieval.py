"""Nearest-neighbour retrieval with FAISS, and the retrieval scores of the SSL-TIE
paper (A@K, P@K) plus R@K and mAP.

Embeddings are L2-normalised, so inner product is cosine similarity. Neighbours are
ranked by score, ties broken by the lower gallery index. The exact index returns
the same ranking as a brute-force search: FAISS proposes ``k + margin`` candidates
in float32, their scores are recomputed in float64 from the stored vectors, and a
query whose k-th score ties with the last candidate is searched again by brute
force. Approximate indexes (IVF, HNSW) skip that last step. When k reaches the
gallery size (mAP over the full ranking), every gallery item is scored directly.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

TIE_MARGIN = 16


def gpu_available() -> bool:
    """Whether the installed FAISS has GPU support and sees a GPU."""
    import faiss
    return hasattr(faiss, 'StandardGpuResources') and faiss.get_num_gpus() > 0


def describe_index(index_cfg: Optional[dict], device: str, n: int) -> Tuple[dict, str]:
    """Validate an index config for a gallery of ``n`` items.

    Returns:
        tuple: the settings with every default filled in (plus ``use_gpu``) and a
        one-line description for the log.
    """
    cfg = {'type': 'exact', **(index_cfg or {})}
    defaults = dict(exact={}, ivf=dict(nlist=1024, nprobe=32),
                    hnsw=dict(M=32, ef_search=128, ef_construction=200))
    kind = cfg['type']
    if kind not in defaults:
        raise ValueError(f"index type must be 'exact', 'ivf' or 'hnsw', got {kind!r}")
    unknown = set(cfg) - set(defaults[kind]) - {'type'}
    if unknown:
        raise ValueError(f'{kind} index: unknown options {sorted(unknown)}')
    spec = {**defaults[kind], **cfg}
    if kind == 'exact':
        text = 'exact inner product (IndexFlatIP)'
    elif kind == 'ivf':
        spec['nlist'] = min(spec['nlist'], n)
        text = (f'approximate IVF (IndexIVFFlat, nlist={spec["nlist"]}, '
                f'nprobe={spec["nprobe"]})')
    else:
        text = (f'approximate HNSW (IndexHNSWFlat, M={spec["M"]}, efSearch='
                f'{spec["ef_search"]}, efConstruction={spec["ef_construction"]})')
    if device not in ('auto', 'cpu', 'gpu'):
        raise ValueError(f"device must be 'auto', 'cpu' or 'gpu', got {device!r}")
    use_gpu = device == 'gpu' or (device == 'auto' and gpu_available())
    if use_gpu and not gpu_available():
        raise RuntimeError("device='gpu' needs faiss-gpu and a visible CUDA device")
    spec['use_gpu'] = use_gpu and kind != 'hnsw'  # FAISS has no GPU HNSW
    if spec['use_gpu']:
        text += ' on GPU'
    else:
        text += ' on CPU' + ('' if device == 'cpu' or kind == 'hnsw' else
                             ' (faiss-gpu with a CUDA device not found)')
    return spec, text


def build_index(gallery: np.ndarray, index_cfg: Optional[dict] = None,
                device: str = 'auto') -> Tuple[object, str]:
    """A FAISS inner-product index over ``gallery`` (N, D) float32.

    Args:
        gallery (np.ndarray): (N, D) L2-normalised vectors.
        index_cfg (dict, optional): ``dict(type='exact')`` (``IndexFlatIP``, the
            default), ``dict(type='ivf', nlist=1024, nprobe=32)`` (``IndexIVFFlat``,
            trained on the gallery) or ``dict(type='hnsw', M=32, ef_search=128,
            ef_construction=200)`` (``IndexHNSWFlat``).
        device (str): 'auto' (the GPU when faiss-gpu sees one), 'cpu' or 'gpu'.

    Returns:
        tuple: the index and a one-line description for the log.
    """
    import faiss
    n, dim = gallery.shape
    spec, text = describe_index(index_cfg, device, n)
    if spec['type'] == 'exact':
        index = faiss.IndexFlatIP(dim)
    elif spec['type'] == 'ivf':
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, spec['nlist'],
                                   faiss.METRIC_INNER_PRODUCT)
        index.train(gallery)
        index.nprobe = spec['nprobe']
    else:
        index = faiss.IndexHNSWFlat(dim, spec['M'], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec['ef_construction']
        index.hnsw.efSearch = spec['ef_search']
    if spec['use_gpu']:
        index = faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, index)
    index.add(gallery)
    return index, text


def _rank_by_score(gallery: np.ndarray, query: np.ndarray, ids: np.ndarray
                   ) -> np.ndarray:
    """Candidates ``ids`` (M,) of one query, scored in float64 and sorted by (score
    descending, index ascending)."""
    scores = (gallery[ids].astype(np.float64) * query.astype(np.float64)).sum(1)
    return ids[np.lexsort((ids, -scores))]


def _rerank(gallery: np.ndarray, queries: np.ndarray, found: np.ndarray,
            exclude: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """FAISS candidates (B, M) re-scored in float64 (elementwise products summed
    in one fixed order, so identical vectors score identically), sorted by (score
    descending, index ascending); missing and excluded ones get -inf and go last.

    Returns:
        tuple: (B, M) sorted indices and their (B, M) scores.
    """
    vectors = gallery[np.maximum(found, 0)].astype(np.float64)  # (B, M, D)
    scores = np.einsum('bmd,bd->bm', vectors, queries.astype(np.float64))
    dropped = found < 0
    if exclude is not None:
        dropped |= found == exclude[:, None]
    scores[dropped] = -np.inf
    order = np.lexsort((found, -scores), axis=-1)
    return (np.take_along_axis(found, order, axis=1),
            np.take_along_axis(scores, order, axis=1))


def ranks_whole_gallery(n: int, k: int, exclude_self: bool) -> bool:
    """Whether :func:`search` scores every gallery item directly, without its index:
    when the candidates it would ask FAISS for cover the gallery."""
    return k + exclude_self + TIE_MARGIN >= n


def _rank_all(gallery: np.ndarray, queries: np.ndarray, k: int,
              exclude: Optional[np.ndarray], batch_size: int) -> np.ndarray:
    """Rank the whole gallery for every query (when k is close to the gallery size,
    as for mAP over the full ranking): float64 scores rounded to 12 decimals, so
    that identical vectors tie exactly, sorted with ties by the lower index.

    Returns:
        np.ndarray: (Q, k) gallery indices, -1 past the gallery's end.
    """
    n = len(gallery)
    if len(queries) * n > 10 ** 8:
        raise ValueError(f'ranking all {n} gallery items for {len(queries)} queries '
                         'needs too much memory; set map_k (e.g. 100)')
    out = np.full((len(queries), k), -1, np.int64)
    gallery64 = gallery.astype(np.float64)
    ids = np.arange(n)
    for start in range(0, len(queries), batch_size):
        scores = np.round(queries[start:start + batch_size].astype(np.float64)
                          @ gallery64.T, 12)
        if exclude is not None:
            scores[np.arange(len(scores)), exclude[start:start + batch_size]] = -np.inf
        order = np.lexsort((np.broadcast_to(ids, scores.shape), -scores), axis=-1)
        kept = n - (exclude is not None)
        out[start:start + len(scores), :min(k, kept)] = order[:, :min(k, kept)]
    return out


def search(index, gallery: np.ndarray, queries: np.ndarray, k: int,
           exclude: Optional[np.ndarray] = None, exact: bool = True,
           batch_size: int = 4096) -> np.ndarray:
    """The ``k`` best gallery indices of every query, in batches of ``batch_size``
    queries so that memory stays bounded.

    Args:
        index: A FAISS index over ``gallery``; unused (may be None) when
            :func:`ranks_whole_gallery`.
        gallery (np.ndarray): (N, D) the indexed vectors.
        queries (np.ndarray): (Q, D).
        k (int): Neighbours per query.
        exclude (np.ndarray, optional): (Q,) a gallery index to leave out of each
            query's result (the query itself, for retrieval within one set).
        exact (bool): Resolve ties at the k-th place by brute force.
        batch_size (int): Queries per FAISS call. Defaults to 4096.

    Returns:
        np.ndarray: (Q, k) int64 gallery indices, -1 where the gallery has fewer.
    """
    n = len(gallery)
    if ranks_whole_gallery(n, k, exclude is not None):
        return _rank_all(gallery, queries, k, exclude, batch_size)
    k_search = k + (exclude is not None) + TIE_MARGIN
    out = np.full((len(queries), k), -1, np.int64)
    rerank_rows = max(1, (64 << 20) // (k_search * gallery.shape[1] * 8))  # ~64 MB
    for start in range(0, len(queries), batch_size):
        batch = np.ascontiguousarray(queries[start:start + batch_size], np.float32)
        _, found = index.search(batch, k_search)
        for sub in range(0, len(batch), rerank_rows):
            rows = slice(sub, sub + rerank_rows)
            first = start + sub
            skip = None if exclude is None else exclude[first:first + len(found[rows])]
            ranked, scores = _rerank(gallery, batch[rows], found[rows], skip)
            ranked = np.where(np.isfinite(scores), ranked, -1)[:, :k]
            out[first:first + len(ranked), :ranked.shape[1]] = ranked
            if not exact:
                continue
            last = np.isfinite(scores).sum(1) - 1
            # Where the k-th score ties with the last candidate, unseen gallery items
            # may tie too: rank that query against the whole gallery.
            ties = np.flatnonzero((last >= k - 1) & (
                scores[:, k - 1] <= scores[np.arange(len(scores)), np.maximum(last, 0)]))
            for row in ties:
                kept = _rank_by_score(gallery, batch[sub + row], np.arange(n))
                if skip is not None:
                    kept = kept[kept != skip[row]]
                out[first + row] = kept[:k]
    return out


def retrieval_scores(relevant: np.ndarray, num_relevant: np.ndarray,
                     ks: Sequence[int], map_k: int) -> Dict[str, float]:
    """A@K, P@K, R@K and mAP@``map_k`` of ranked results.

    Args:
        relevant (np.ndarray): (Q, K) bool, whether the j-th result of each query
            shares its class; K >= max(ks) and K >= map_k.
        num_relevant (np.ndarray): (Q,) same-class items in each query's gallery
            (every one >= 1).
        ks (Sequence[int]): The K of A@K, P@K and R@K.
        map_k (int): Depth of the average precision.

    Definitions (per query, then averaged): A@K = 1 if a same-class item is in the
    top K (the paper's "accuracy"); P@K = same-class items in the top K / K; R@K =
    same-class items in the top K / all same-class items; AP = sum over ranks j <=
    map_k of P@j at each same-class item, / min(all same-class items, map_k).
    """
    relevant = np.asarray(relevant, bool)
    num_relevant = np.asarray(num_relevant, np.float64)
    hits = np.cumsum(relevant, axis=1)
    scores = {}
    for k in ks:
        scores[f'A@{k}'] = float(np.mean(hits[:, k - 1] > 0))
        scores[f'P@{k}'] = float(np.mean(hits[:, k - 1] / k))
        scores[f'R@{k}'] = float(np.mean(hits[:, k - 1] / num_relevant))
    ranks = np.arange(1, map_k + 1)
    precision_at_hits = hits[:, :map_k] / ranks * relevant[:, :map_k]
    ap = precision_at_hits.sum(1) / np.minimum(num_relevant, map_k)
    scores[f'mAP@{map_k}'] = float(np.mean(ap))
    return scores
