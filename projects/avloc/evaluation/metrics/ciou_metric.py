"""cIoU metric with switchable protocols (see ``avloc.evaluation.functional``)."""
from collections import defaultdict
from functools import partial
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from avloc.registry import METRICS
from avloc.structures import AUDIO_CONTROLS
from ..functional import (EVAL_SIZE, SIZE_BINS, boxes_to_gt_map, centre_prior_map,
                          ciou_at_threshold, ciou_auc, detection_scores, get_protocol,
                          instance_scores, mask_to_gt_map, negative_audio_scores, size_bin)
from ..functional.batched import BatchScorer, GroundTruthBatch, map_chunks, scoring_threads

EMPTY_GT_POLICIES = ('fail', 'skip')
#: The key prefix of the oracle cut, chosen on the test set itself (never a score).
ORACLE = 'oracle-test-set-threshold'


def _array(sample: dict, key: str) -> np.ndarray:
    return sample[key].float().cpu().numpy()


def _heatmap(sample: dict, key: str) -> np.ndarray:
    """The clip's (h, w) heatmap under ``key``. A NaN or inf is an error naming the
    clip: scored, it would be a silent miss that hides a diverged model."""
    heatmap = _array(sample, key)[0]
    if not np.isfinite(heatmap).all():
        paths = [sample[k] for k in ('video_path', 'frame_path', 'audio_path')
                 if sample.get(k)]
        where = f"clip {sample['clip_id']}" + (f" ({', '.join(paths)})" if paths else '')
        raise ValueError(
            f'{where}: {key} has {int(np.isnan(heatmap).sum())} NaN and '
            f'{int(np.isinf(heatmap).sum())} inf of its {heatmap.size} values; the '
            "model's weights or this clip's input are not finite (check the "
            'checkpoint and the clip\'s frame and audio)')
    return heatmap


def ciou_entry(sample: dict) -> dict:
    """What scoring one clip needs, as numpy arrays: ``clip_id``, ``heatmap`` (h, w),
    ``gt_bboxes`` (N, 4), ``is_sounding``, and when the sample has them ``gt_mask``,
    ``instance_group`` and each audio control's heatmap (``heatmap_other_audio``,
    ``heatmap_silence``, ``heatmap_noise``; see
    :mod:`avloc.structures.audio_controls`)."""
    entry = dict(clip_id=sample['clip_id'], heatmap=_heatmap(sample, 'pred_heatmap'),
                 gt_bboxes=_array(sample, 'gt_bboxes'),
                 is_sounding=bool(sample.get('is_sounding', True)))
    if 'gt_mask' in sample:
        entry['gt_mask'] = _array(sample, 'gt_mask')
    if sample.get('instance_group') is not None:
        entry['instance_group'] = sample['instance_group']
    for control in AUDIO_CONTROLS:
        if control.field in sample:
            entry[control.entry_key] = _heatmap(sample, control.field)
    return entry


class _ChunkedGroundTruth:
    """(N, 224, 224) ground-truth maps of a list of entries, drawn a slice at a time
    when read (``maps[start:stop]``): the whole test set's would take 1 GB."""

    def __init__(self, metric: 'CIoUMetric', entries: Sequence[dict]) -> None:
        self.metric, self.entries = metric, entries
        self.shape = (len(entries), EVAL_SIZE, EVAL_SIZE)
        self.ndim = 3

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: slice) -> np.ndarray:
        return self.metric.gt_maps(self.entries[index])


@METRICS.register_module()
class CIoUMetric(BaseMetric):
    """cIoU@0.5, AUC and mean cIoU over the test clips, plus reference rows.

    Besides the model's own heatmap, it scores the centre prior (a centred disc of
    half the frame: what a model scores without looking) and, when the model
    predicted it, the heatmap made with another clip's audio (what a model scores
    without listening). The ground truth is the clip's ``gt_mask`` when it has one
    (AVSBench), else its boxes.

    A clip whose ground-truth map is empty (2 of the 5,158 VGG-SS clips, whose
    corrupted boxes clip to nothing) is, by default, scored as the public
    evaluators score it: ciou ``0 / sum(P) = 0`` (NaN when nothing is predicted
    either, which fails every threshold), a failure that stays in the denominator.
    ``empty_gt='skip'`` leaves such clips out instead (no prediction could succeed
    on them) and counts them in ``num_unscored``. Either way ``num_empty_gt`` counts
    them and the log says what was done.

    Every evaluation logs the protocol, the test list's name and md5 (from the
    dataset's metainfo), how many clips were listed, evaluated and scored, and how
    many had an empty ground-truth map.

    The clips are scored in batch, a chunk of 32 at a time in
    :func:`~avloc.evaluation.functional.batched.scoring_threads` threads (torch's
    intra-op setting, at most 4), by
    :class:`~avloc.evaluation.functional.batched.BatchScorer`: the numbers of the
    per-clip definitions (``protocol.predict``, ``ciou``, ``confidence_score``) to
    the last bit, over ten times as fast as the public per-clip loop
    (``docs/throughput.md``). A new per-clip measure is a new key of
    :meth:`_score_chunk`, which sees each chunk's ground truth once;
    :meth:`batch_cious` scores N heatmaps against N ground-truth maps.

    Args:
        protocol (str | dict): 'lvs' (= 'ssltie'), 'ezvsl', 'absolute',
            'adaptive', 'sslalign' or 'sslalign_adaptive', optionally with
            overrides, e.g.
            ``dict(name='absolute', value=0.3)``; see
            :mod:`avloc.evaluation.functional.protocols`. Defaults to 'lvs'.
        threshold (float): cIoU threshold of the headline number. Defaults to 0.5.
        gt_map (str): How boxes become the ground-truth map: 'union' (VGG-SS) or
            'consensus' (Flickr-SoundNet's annotators), see
            :func:`boxes_to_gt_map`. Defaults to 'union'.
        empty_gt (str): What a clip with an empty ground-truth map counts as:
            'fail' (scored, a failure, as in the public evaluators) or 'skip'
            (left out of every score). Defaults to 'fail'.
        extended (bool): Also score SLAVC's extended protocol (AP, max-F1 and
            precision at ciou 0.5 and 0.75, cIoU by object size), with the
            other-audio heatmaps (the dataset's ``other_audio_control``) and any
            clip marked ``is_sounding=False`` as the non-visible pairs; see
            :mod:`avloc.evaluation.functional.extended`. Defaults to False.
        negative_audio (bool | dict): Also score the negative-audio measures of
            Juanola et al. (ICASSP 2025) under ``negative/``: the same frames with
            silence, noise and another clip's audio, which the test dataset attaches
            with ``negative_audio=['silence', 'noise']`` and its other-audio control;
            see :mod:`avloc.evaluation.functional.negative_audio`. A dict passes
            ``thresholds`` (the ``max`` / ``max10`` / ``maxq3`` levels, e.g. one of
            ``PUBLISHED_THRESHOLDS``), ``fixed`` and ``align_corners`` to
            :func:`negative_audio_scores`. Defaults to False.
        oracle (bool): Also report the cIoU of the ``absolute`` cut (0.05, 0.10,
            ..., 0.95) that maximises cIoU on these very clips, under the key
            ``oracle-test-set-threshold/``, with a log line that says it is no
            score. Defaults to False (never a default, never in a metafile).
        label (str, optional): A note that opens the metric's log line in
            brackets, e.g. ``'checkpoint selected on the test set'``, which
            ``select_on_test=True`` sets (see
            :mod:`avloc.engine.checkpoint_selection`). Defaults to None.

    Clips that carry an ``instance_group`` (a frame with several sources scored
    once per source, each with its own audio: :class:`~avloc.datasets.IS3Dataset`,
    :class:`~avloc.datasets.AVShapesInstancesDataset`) are also scored per frame:
    ``instances/IIoU@<threshold>`` and ``instances/iAUC`` (SSL-Align's, see
    :func:`~avloc.evaluation.functional.instance_scores`).
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'ciou'.
    """

    default_prefix = 'ciou'

    def __init__(self, protocol: Union[str, dict] = 'lvs', threshold: float = 0.5,
                 gt_map: str = 'union', empty_gt: str = 'fail', extended: bool = False,
                 negative_audio: Union[bool, dict] = False, oracle: bool = False,
                 label: Optional[str] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        boxes_to_gt_map(np.zeros((0, 4)), rule=gt_map)  # reject an unknown rule now
        if empty_gt not in EMPTY_GT_POLICIES:
            raise ValueError(f"empty_gt must be 'fail' (score the clip as a failure) or "
                             f"'skip' (leave it out), got {empty_gt!r}")
        self.protocol = get_protocol(protocol)
        self.threshold = threshold
        self.gt_map = gt_map
        self.empty_gt = empty_gt
        self.extended = extended
        self.negative_audio = self._negative_audio_options(negative_audio)
        self.oracle = oracle
        self.label = label
        # Scores in batch with the per-clip numbers (see BatchScorer); each
        # evaluation's threads get scorers of their own.
        self.scorer = BatchScorer(self.protocol)
        # the centre prior (224, 224) and its prediction (None when the protocol
        # reads the ground truth), set once per evaluation
        self._prior: tuple = (None, None)

    @staticmethod
    def _negative_audio_options(option: Union[bool, dict]) -> Optional[dict]:
        """The keyword arguments of :func:`negative_audio_scores`, or None (off)."""
        if option is False or option is None:
            return None
        options = {} if option is True else dict(option)
        unknown = set(options) - {'thresholds', 'fixed', 'align_corners'}
        if unknown:
            raise ValueError(f'negative_audio: unknown options {sorted(unknown)}; give '
                             'True or a dict of thresholds, fixed, align_corners')
        return options

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(ciou_entry(sample) for sample in data_samples)

    # ------------------------------------------------------------ ground truth
    def _gt_map(self, entry: dict, out: Optional[np.ndarray] = None) -> np.ndarray:
        """The clip's (224, 224) float32 ground-truth map: its mask when it has one,
        else its boxes under ``gt_map``; written into ``out`` when given."""
        if 'gt_mask' in entry:
            gt = mask_to_gt_map(entry['gt_mask'])
            if out is None:
                return gt
            out[...] = gt
            return out
        return boxes_to_gt_map(entry['gt_bboxes'], rule=self.gt_map, out=out)

    def gt_maps(self, entries: Sequence[dict],
                out: Optional[np.ndarray] = None) -> np.ndarray:
        """(B, 224, 224) float32 ground-truth maps of ``entries``, into ``out`` when
        given (a buffer reused chunk after chunk)."""
        if out is None:
            out = np.empty((len(entries), EVAL_SIZE, EVAL_SIZE), np.float32)
        for entry, target in zip(entries, out):
            self._gt_map(entry, out=target)
        return out

    def ground_truth(self, entries: Sequence[dict],
                     scorer: Optional[BatchScorer] = None) -> GroundTruthBatch:
        """The ground truth of a chunk of entries, prepared for scoring in
        ``scorer``'s buffers (valid until its next chunk); ``gt_maps()`` of the
        result gives the (B, 224, 224) float maps. Boxes are drawn straight into
        the masks; masks go through :meth:`gt_maps`."""
        scorer = scorer or self.scorer
        if any('gt_mask' in entry for entry in entries):
            return scorer.ground_truth(self.gt_maps(entries))
        return scorer.ground_truth_from_boxes([entry['gt_bboxes'] for entry in entries],
                                              rule=self.gt_map)

    # ------------------------------------------------------------ scoring
    def batch_cious(self, heatmaps: Sequence[np.ndarray],
                    truth: Union[GroundTruthBatch, np.ndarray],
                    scorer: Optional[BatchScorer] = None) -> np.ndarray:
        """(N,) ciou of N raw (h, w) heatmaps against N ground-truth maps ((N, 224,
        224), or a chunk's :class:`GroundTruthBatch`) under the metric's protocol:
        ``ciou(protocol.predict(heatmap, gt), gt)`` of each, computed in batch
        (by ``scorer``, the chunk's inside :meth:`_score_chunk`)."""
        return (scorer or self.scorer).cious(heatmaps, truth)

    def batch_predictions(self, heatmaps: Sequence[np.ndarray],
                          truth: Union[GroundTruthBatch, np.ndarray, None] = None,
                          scorer: Optional[BatchScorer] = None) -> np.ndarray:
        """(N, 224, 224) bool predictions of N raw heatmaps under the protocol
        (``truth`` is read by the adaptive rules only)."""
        return (scorer or self.scorer).predict(heatmaps, truth)

    def _fixed_cious(self, heatmap: np.ndarray, prediction: Optional[np.ndarray],
                     truth: GroundTruthBatch, scorer: BatchScorer) -> np.ndarray:
        """ciou of one heatmap on every map of ``truth``, from its ``prediction``
        when the protocol predicts it once (does not read the ground truth)."""
        if prediction is not None:
            return scorer.prediction_cious(prediction, truth)
        return scorer.fixed_cious(heatmap, truth)

    def _summarise(self, cious: Sequence[float], name: str) -> dict:
        auc, _ = ciou_auc(cious)
        # A NaN ciou (no ground truth, no prediction) fails every threshold, as in
        # the public code; in the mean it counts as 0 so the mean stays a number.
        return {f'{name}cIoU@{self.threshold:g}': ciou_at_threshold(cious, self.threshold),
                f'{name}AUC': auc,
                f'{name}mean_cIoU': float(np.mean(np.nan_to_num(cious)))}

    def _score_chunk(self, entries: Sequence[dict], scorer: BatchScorer,
                     fixed: Optional[tuple] = None, with_controls: bool = True) -> dict:
        """Every per-clip score of a chunk of visible clips, against the same
        ground truth: the place for a new per-clip measure (a new key).

        Args:
            entries: The chunk's entries (:func:`ciou_entry`).
            scorer: The chunk's scorer (one per thread).
            fixed: ``(heatmap, prediction)`` to score one fixed heatmap instead of
                the clips' own (``prediction`` None when the protocol reads the
                ground truth).
            with_controls: Also score the centre prior and other-audio maps.

        Returns:
            dict: (B,) arrays: ``area`` (ground-truth pixels), ``model``; with the
            controls ``prior``, ``other`` (NaN where a clip has no other-audio
            heatmap) and ``has_other``; ``size`` (size bins) when ``extended``.
        """
        truth = self.ground_truth(entries, scorer)
        if fixed is not None:
            return dict(area=truth.area, model=self._fixed_cious(*fixed, truth, scorer))
        scores = dict(area=truth.area, model=self.batch_cious(
            [entry['heatmap'] for entry in entries], truth, scorer))
        if not with_controls:
            return scores
        scores['prior'] = self._fixed_cious(*self._prior, truth, scorer)
        has_other = np.array(['heatmap_other_audio' in entry for entry in entries], bool)
        other = np.full(len(entries), np.nan)
        if has_other.all():
            other = self.batch_cious([entry['heatmap_other_audio'] for entry in entries],
                                     truth, scorer)
        elif has_other.any():
            index = np.flatnonzero(has_other)
            other[index] = self.batch_cious(
                [entries[i]['heatmap_other_audio'] for i in index], truth.take(index),
                scorer)
        scores.update(other=other, has_other=has_other)
        if self.extended:
            # the size of a map is its pixels above 0, which the masks hold
            maps = truth.nonzero if truth.exact else truth.gt_maps()
            scores['size'] = np.array([size_bin(gt) for gt in maps], object)
        return scores

    def _score_visible(self, visible: List[dict], heatmap: Optional[np.ndarray] = None,
                       with_controls: bool = True) -> dict:
        """:meth:`_score_chunk` over the visible clips, chunk by chunk in
        :func:`scoring_threads` threads; the chunks' arrays joined in clip order."""
        predict_once = not self.protocol.reads_gt
        prior = centre_prior_map()
        self._prior = (prior, self.protocol.predict(prior) if predict_once else None)
        fixed = None
        if heatmap is not None:
            fixed = (heatmap, self.protocol.predict(heatmap) if predict_once else None)
        chunks = map_chunks(partial(self._score_chunk, fixed=fixed,
                                    with_controls=with_controls),
                            visible, self.protocol, num_threads=scoring_threads())
        return {key: np.concatenate([chunk[key] for chunk in chunks])
                for key in chunks[0]}

    def _scored(self, area: np.ndarray) -> np.ndarray:
        """(V,) bool, which visible clips are scored: all of them under
        ``empty_gt='fail'``, those with a non-empty ground-truth map under 'skip'."""
        if self.empty_gt == 'fail':
            return np.ones(len(area), bool)
        return area > 0

    def clip_cious(self, results: list, heatmap: Optional[np.ndarray] = None
                   ) -> List[float]:
        """The ciou of every scored clip (see ``empty_gt``), e.g. to plot the cIoU
        curve: of the model's heatmaps, or of one fixed ``heatmap`` (such as the
        centre prior)."""
        visible = [entry for entry in results if entry['is_sounding']]
        if not visible:
            return []
        scores = self._score_visible(visible, heatmap, with_controls=False)
        return scores['model'][self._scored(scores['area'])].tolist()

    def compute_metrics(self, results: list) -> dict:
        visible = [entry for entry in results if entry['is_sounding']]
        scores = self._score_visible(visible) if visible else dict(area=np.zeros(0))
        num_empty = int(np.sum(scores['area'] == 0))
        if num_empty == len(visible):
            raise ValueError(f'none of the {len(results)} test clips has a ground-truth '
                             'box or mask')
        scored = self._scored(scores['area'])
        model = scores['model'][scored]
        metrics = self._summarise(model, '')
        metrics.update(self._summarise(scores['prior'][scored], 'centre_prior/'))
        other = scores['other'][scored & scores['has_other']]
        if len(other):
            metrics.update(self._summarise(other, 'other_audio/'))
        scored_entries = [v for v, k in zip(visible, scored) if k]
        if self.extended:
            sizes = scores['size'][scored].tolist()
            metrics.update(self._extended(results, scored_entries, model, sizes))
        if any('instance_group' in entry for entry in scored_entries):
            metrics.update(self._instances(scored_entries, model))
        if self.negative_audio is not None:
            metrics.update(self._negative(scored_entries))
        if self.oracle:
            metrics.update(self._oracle(results))
        listed = (self.dataset_meta or {}).get('num_listed')
        metrics.update(num_listed=listed if listed is not None else len(results),
                       num_scored=len(model), num_unscored=len(visible) - len(model),
                       num_empty_gt=num_empty)
        self._log(metrics, len(results))
        return metrics

    def _confidences(self, heatmaps: List[np.ndarray]) -> np.ndarray:
        """:func:`confidence_score` of each heatmap, in batch (the same numbers)."""
        if not heatmaps:
            return np.zeros(0)
        return np.concatenate(map_chunks(lambda chunk, scorer: scorer.confidences(chunk),
                                         heatmaps, self.protocol,
                                         num_threads=scoring_threads()))

    def _extended(self, results: list, scored: List[dict], model: np.ndarray,
                  sizes: List[str]) -> dict:
        """SLAVC's scores: the scored clips are the visible pairs; their other-audio
        heatmaps and the clips marked non-sounding are the non-visible ones."""
        conf_visible = self._confidences([entry['heatmap'] for entry in scored])
        conf_silent = self._confidences(
            [e['heatmap'] for e in results if not e['is_sounding']]
            + [entry['heatmap_other_audio'] for entry in scored
               if 'heatmap_other_audio' in entry])
        if not len(conf_silent):
            raise ValueError('extended=True needs non-visible pairs: keep the '
                             'dataset\'s other_audio_control on or test on a list '
                             'with non-sounding rows')
        metrics = {}
        for iou in (0.5, 0.75):
            scores = detection_scores(conf_visible, model, conf_silent, iou)
            metrics.update({f'extended/{k}@{iou:g}': v for k, v in scores.items()})
        by_size = defaultdict(list)
        for size, value in zip(sizes, model):
            by_size[size].append(value)
        for name, _, _ in SIZE_BINS:
            cious = by_size.get(name, [])
            metrics[f'size/{name}/num_clips'] = len(cious)
            if cious:
                metrics[f'size/{name}/cIoU@{self.threshold:g}'] = ciou_at_threshold(
                    cious, self.threshold)
        metrics['extended/num_non_visible'] = len(conf_silent)
        return metrics

    def _instances(self, scored: List[dict], model: np.ndarray) -> dict:
        """IIoU and iAUC over the frames the scored instances belong to."""
        missing = [e['clip_id'] for e in scored if 'instance_group' not in e]
        if missing:
            raise ValueError(f'{len(missing)} of the {len(scored)} clips carry no '
                             f'instance_group (e.g. {missing[0]}) while others do: score '
                             'a test set either per instance or per clip')
        scores = instance_scores(model, [e['instance_group'] for e in scored],
                                 self.threshold)
        return {f'instances/{key}': value for key, value in scores.items()}

    def _negative(self, scored: List[dict]) -> dict:
        """The negative-audio measures of the scored clips: silence and noise from
        the dataset's ``negative_audio``, offscreen from its other-audio control."""
        kinds = dict(silence='heatmap_silence', noise='heatmap_noise',
                     offscreen='heatmap_other_audio')
        lacking = [k for k in ('silence', 'noise') if any(kinds[k] not in e for e in scored)]
        if lacking:
            raise ValueError(f'negative_audio=True needs every clip\'s {" and ".join(lacking)} '
                             "heatmaps: set the test dataset's negative_audio=['silence', "
                             "'noise'] (tools/test.py --report does)")
        negatives = {kind: np.stack([e[key] for e in scored]) for kind, key in kinds.items()
                     if all(key in e for e in scored)}
        scores = negative_audio_scores(np.stack([e['heatmap'] for e in scored]), negatives,
                                       _ChunkedGroundTruth(self, scored),
                                       **self.negative_audio)
        return {f'negative/{key}': value for key, value in scores.items()}

    def _oracle(self, results: list) -> dict:
        """The best cIoU over the ``absolute`` cuts, chosen on these clips."""
        best = (-1.0, None, None)
        for value in np.round(np.arange(0.05, 0.951, 0.05), 2):
            cut = CIoUMetric(protocol=dict(name='absolute', value=float(value)),
                             gt_map=self.gt_map, empty_gt=self.empty_gt)
            cious = cut.clip_cious(results)
            best = max(best, (ciou_at_threshold(cious, self.threshold), float(value), cious),
                       key=lambda item: item[0])
        _, value, cious = best
        metrics = {f'{ORACLE}/{k}': v for k, v in self._summarise(cious, '').items()}
        metrics[f'{ORACLE}/threshold'] = value
        MMLogger.get_current_instance().info(
            f'[ORACLE: threshold chosen on the test set, not a score] the absolute cut '
            f'{value:.2f} gives cIoU@{self.threshold:g} '
            f'{metrics[f"{ORACLE}/cIoU@{self.threshold:g}"]:.4f} on these clips')
        return metrics

    def _log(self, metrics: dict, num_results: int) -> None:
        meta = self.dataset_meta or {}
        test_list = meta.get('list_name', 'an unnamed list')
        digest = meta.get('list_md5', 'unknown')
        fate = ('scored as failures and kept in the denominator' if
                self.empty_gt == 'fail' else 'left out')
        label = f'[{self.label}] ' if self.label else ''
        MMLogger.get_current_instance().info(
            f'{label}cIoU protocol {self.protocol.name}, {self.gt_map} ground truth, on '
            f'{test_list} (md5 {digest}): '
            f'{metrics["num_listed"]} clips listed, {num_results} evaluated, '
            f'{metrics["num_scored"]} scored, {metrics["num_unscored"]} unscored; '
            f'{metrics["num_empty_gt"]} with an empty ground-truth map, {fate} '
            f"(empty_gt='{self.empty_gt}')")
