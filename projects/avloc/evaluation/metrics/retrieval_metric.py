"""Audio and cross-modal retrieval with FAISS (see
``avloc.evaluation.functional.retrieval``)."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from avloc.registry import METRICS
from ..functional.retrieval import (build_index, describe_index, ranks_whole_gallery,
                                    retrieval_scores, search)

# direction -> (query modality, gallery modality)
DIRECTIONS = {'a2a': ('audio', 'audio'), 'a2i': ('audio', 'visual'),
              'i2a': ('visual', 'audio'), 'i2i': ('visual', 'visual')}


@METRICS.register_module()
class RetrievalMetric(BaseMetric):
    """Retrieval of same-class clips by their embeddings, per direction.

    Every clip of the test split is a query, and the gallery holds the test split's
    other clips in the target modality: ``a2a`` audio -> audio (the paper's audio
    retrieval), ``a2i`` audio -> image and ``i2a`` image -> audio (its cross-modal
    retrieval), ``i2i`` image -> image. Audio embeddings are the model's max-pooled,
    L2-normalised audio vectors; visual ones its pooled, L2-normalised visual map
    (model ``test_cfg.visual_pooling``: 'avg' or 'max'). Labels are the clips'
    ``gt_label`` (the dataset's class names). Every rank sends its clips to rank 0,
    which builds one FAISS index per gallery and scores A@K, P@K, R@K and mAP (see
    :func:`retrieval_scores`). A query with no other clip of its class cannot be
    scored; it is counted in ``num_queries_without_match`` and left out.

    Args:
        directions (Sequence[str]): Any of 'a2a', 'a2i', 'i2a', 'i2i'.
            Defaults to ('a2a', 'a2i', 'i2a').
        ks (Sequence[int]): The K of A@K, P@K, R@K. Defaults to (1, 5, 10).
        map_k (int, optional): Depth of mAP; None ranks the whole gallery.
            Defaults to None.
        exclude_query_clip (bool): Leave the query's own clip out of the gallery
            in the cross-modal directions too (it always is in a2a and i2i), so
            that a clip's paired image or audio is not counted as a retrieved
            same-class item. Defaults to True.
        index (dict): FAISS index, see :func:`build_index`. Defaults to exact.
        device (str): 'auto', 'cpu' or 'gpu'. Defaults to 'auto'.
        query_batch_size (int): Queries per FAISS call, which bounds memory.
            Defaults to 4096.
        random_baseline (bool): Also score random unit embeddings with the same
            labels (the chance level). Defaults to True.
        seed (int): Seed of the random embeddings. Defaults to 0.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'retrieval'.
    """

    default_prefix = 'retrieval'

    def __init__(self, directions: Sequence[str] = ('a2a', 'a2i', 'i2a'),
                 ks: Sequence[int] = (1, 5, 10), map_k: Optional[int] = None,
                 exclude_query_clip: bool = True, index: Optional[dict] = None,
                 device: str = 'auto', query_batch_size: int = 4096,
                 random_baseline: bool = True, seed: int = 0,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = set(directions) - set(DIRECTIONS)
        if unknown or not directions:
            raise ValueError(f'directions must be among {sorted(DIRECTIONS)}, got '
                             f'{list(directions)}')
        if not ks or min(ks) < 1 or (map_k is not None and map_k < 1):
            raise ValueError(f'ks and map_k must be >= 1, got ks={ks}, map_k={map_k}')
        self.directions = tuple(directions)
        self.ks = tuple(sorted(set(ks)))
        self.map_k = map_k
        self.exclude_query_clip = exclude_query_clip
        self.index_cfg = dict(index or dict(type='exact'))
        self.device = device
        self.query_batch_size = query_batch_size
        self.random_baseline = random_baseline
        self.seed = seed
        self.modalities = sorted({m for d in self.directions for m in DIRECTIONS[d]})

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            entry = dict(clip_id=sample.get('clip_id'), label=sample.get('gt_label'))
            for modality in self.modalities:
                key = f'{modality}_embedding'
                if key not in sample:
                    raise ValueError(f'clip {entry["clip_id"]}: the model predicted no '
                                     f'{key}')
                entry[modality] = sample[key].float().cpu().numpy()
            self.results.append(entry)

    def _check(self, results: List[dict]) -> Dict[str, np.ndarray]:
        """Stack and validate the gathered embeddings: labels present, one
        dimension, finite values."""
        if not results:
            raise ValueError('RetrievalMetric: the gallery is empty (no test clips)')
        unlabelled = [e['clip_id'] for e in results if e['label'] is None]
        if unlabelled:
            raise ValueError(f'RetrievalMetric: {len(unlabelled)} clips have no class '
                             f'label (gt_label), e.g. {unlabelled[:3]}; the test list '
                             'or box file must name each clip\'s class')
        arrays = {'label': np.array([int(e['label']) for e in results])}
        dims = {}
        for modality in self.modalities:
            shapes = {e[modality].shape for e in results}
            if len(shapes) > 1:
                raise ValueError(f'RetrievalMetric: {modality} embeddings of different '
                                 f'shapes {sorted(shapes)}')
            arrays[modality] = np.stack([e[modality] for e in results]).astype(np.float32)
            dims[modality] = arrays[modality].shape[1]
            bad = ~np.isfinite(arrays[modality]).all(1)
            if bad.any():
                ids = [results[i]['clip_id'] for i in np.flatnonzero(bad)[:3]]
                raise ValueError(f'RetrievalMetric: {bad.sum()} {modality} embeddings '
                                 f'hold NaN or inf, e.g. clips {ids}')
        if len(set(dims.values())) > 1:
            raise ValueError(f'RetrievalMetric: cross-modal retrieval needs one '
                             f'embedding size, got {dims}')
        return arrays

    def _direction(self, direction: str, arrays: Dict[str, np.ndarray],
                   labels: np.ndarray, indexes: dict
                   ) -> Tuple[Dict[str, float], int, str]:
        """Scores of one direction, the number of queries without a same-class item
        in their gallery, and the index used. ``indexes`` caches one FAISS index per
        gallery modality, so directions that share a gallery share its index."""
        query_mod, gallery_mod = DIRECTIONS[direction]
        queries, gallery = arrays[query_mod], arrays[gallery_mod]
        own = query_mod == gallery_mod or self.exclude_query_clip
        exclude = np.arange(len(labels)) if own else None
        _, class_of, class_size = np.unique(labels, return_inverse=True,
                                            return_counts=True)
        num_relevant = class_size[class_of] - int(own)
        depth = max(max(self.ks), self.map_k or len(gallery))
        depth = min(depth, len(gallery) - int(own))
        if depth < 1:
            raise ValueError('RetrievalMetric: the gallery is empty once each query\'s '
                             'own clip is left out (one test clip)')
        if ranks_whole_gallery(len(gallery), depth, own):
            _, description = describe_index(self.index_cfg, self.device, len(gallery))
            index, description = None, description + ', not needed: every gallery ' \
                'item scored exactly'
        else:
            if gallery_mod not in indexes:
                indexes[gallery_mod] = build_index(gallery, self.index_cfg, self.device)
            index, description = indexes[gallery_mod]
        found = search(index, gallery, queries, depth, exclude,
                       exact=self.index_cfg.get('type', 'exact') == 'exact',
                       batch_size=self.query_batch_size)
        relevant = (found >= 0) & (labels[np.maximum(found, 0)] == labels[:, None])
        scorable = num_relevant > 0
        width = max(max(self.ks), self.map_k or depth)
        if relevant.shape[1] < width:  # a gallery smaller than K: misses pad
            relevant = np.pad(relevant, ((0, 0), (0, width - relevant.shape[1])))
        scores = retrieval_scores(relevant[scorable], num_relevant[scorable], self.ks,
                                  self.map_k or depth)
        if self.map_k is None:  # the whole gallery was ranked
            scores['mAP'] = scores.pop(f'mAP@{depth}')
        return scores, int((~scorable).sum()), description

    def compute_metrics(self, results: list) -> dict:
        arrays = self._check(results)
        labels = arrays['label']
        embeddings = {'': arrays}
        if self.random_baseline:
            rng = np.random.default_rng(self.seed)
            dim = arrays[self.modalities[0]].shape[1]
            noise = {m: rng.standard_normal((len(labels), dim)) for m in self.modalities}
            embeddings['random/'] = {m: (v / np.linalg.norm(v, axis=1, keepdims=True))
                                     .astype(np.float32) for m, v in noise.items()}
        metrics, unscorable, logger = {}, 0, MMLogger.get_current_instance()
        for prefix, vectors in embeddings.items():
            indexes = {}
            for direction in self.directions:
                scores, unmatched, description = self._direction(direction, vectors,
                                                                 labels, indexes)
                metrics.update({f'{prefix}{direction}/{k}': v for k, v in scores.items()})
                unscorable = max(unscorable, unmatched)
                if not prefix:
                    logger.info(f'retrieval {direction}: {len(labels)} queries, '
                                f'{description}, {unmatched} queries without another '
                                'clip of their class (not scored)')
        metrics['num_queries'] = len(labels)
        metrics['num_queries_without_match'] = unscorable
        metrics['num_classes'] = len(np.unique(labels))
        return metrics
