"""cIoU metric with switchable protocols (see ``avloc.evaluation.functional``)."""
from collections import defaultdict
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from avloc.registry import METRICS
from ..functional import (SIZE_BINS, boxes_to_gt_map, centre_prior_map, ciou, ciou_at_threshold,
                          ciou_auc, confidence_score, detection_scores, get_protocol,
                          mask_to_gt_map, size_bin)

EMPTY_GT_POLICIES = ('fail', 'skip')


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
    ``gt_bboxes`` (N, 4), ``is_sounding``, and ``gt_mask`` / ``heatmap_other_audio``
    when the sample has them."""
    entry = dict(clip_id=sample['clip_id'], heatmap=_heatmap(sample, 'pred_heatmap'),
                 gt_bboxes=_array(sample, 'gt_bboxes'),
                 is_sounding=bool(sample.get('is_sounding', True)))
    if 'gt_mask' in sample:
        entry['gt_mask'] = _array(sample, 'gt_mask')
    if 'pred_heatmap_other_audio' in sample:
        entry['heatmap_other_audio'] = _heatmap(sample, 'pred_heatmap_other_audio')
    return entry


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

    Args:
        protocol (str | dict): 'lvs' (= 'ssltie'), 'ezvsl', 'absolute' or
            'adaptive', optionally with overrides, e.g.
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
        label (str, optional): A note that opens the metric's log line in
            brackets, e.g. ``'checkpoint selected on the test set'``, which
            ``select_on_test=True`` sets (see
            :mod:`avloc.engine.checkpoint_selection`). Defaults to None.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'ciou'.
    """

    default_prefix = 'ciou'

    def __init__(self, protocol: Union[str, dict] = 'lvs', threshold: float = 0.5,
                 gt_map: str = 'union', empty_gt: str = 'fail', extended: bool = False,
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
        self.label = label

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(ciou_entry(sample) for sample in data_samples)

    def _gt_map(self, entry: dict) -> np.ndarray:
        if 'gt_mask' in entry:
            return mask_to_gt_map(entry['gt_mask'])
        return boxes_to_gt_map(entry['gt_bboxes'], rule=self.gt_map)

    def _score(self, heatmap: np.ndarray, gt: np.ndarray) -> float:
        return ciou(self.protocol.predict(heatmap, gt), gt)

    def _summarise(self, cious: List[float], name: str) -> dict:
        auc, _ = ciou_auc(cious)
        # A NaN ciou (no ground truth, no prediction) fails every threshold, as in
        # the public code; in the mean it counts as 0 so the mean stays a number.
        return {f'{name}cIoU@{self.threshold:g}': ciou_at_threshold(cious, self.threshold),
                f'{name}AUC': auc,
                f'{name}mean_cIoU': float(np.mean(np.nan_to_num(cious)))}

    def _visible(self, results: list) -> List[Tuple[dict, np.ndarray]]:
        """(entry, (224, 224) ground-truth map) of every clip with a visible source."""
        return [(entry, self._gt_map(entry)) for entry in results
                if entry['is_sounding']]

    def _scored(self, visible: List[Tuple[dict, np.ndarray]]
                ) -> List[Tuple[dict, np.ndarray]]:
        """The visible clips that are scored: all of them under ``empty_gt='fail'``,
        those with a non-empty ground-truth map under 'skip'."""
        if self.empty_gt == 'fail':
            return visible
        return [(entry, gt) for entry, gt in visible if gt.any()]

    def _fixed_cious(self, heatmap: np.ndarray, gts: List[np.ndarray]) -> List[float]:
        """ciou of one heatmap against every map in ``gts``, predicted once unless
        the protocol reads the ground truth."""
        if self.protocol.reads_gt:
            return [self._score(heatmap, gt) for gt in gts]
        pred = self.protocol.predict(heatmap)
        return [ciou(pred, gt) for gt in gts]

    def clip_cious(self, results: list, heatmap: Optional[np.ndarray] = None
                   ) -> List[float]:
        """The ciou of every scored clip (see ``empty_gt``), e.g. to plot the cIoU
        curve: of the model's heatmaps, or of one fixed ``heatmap`` (such as the
        centre prior)."""
        scored = self._scored(self._visible(results))
        if heatmap is not None:
            return self._fixed_cious(heatmap, [gt for _, gt in scored])
        return [self._score(entry['heatmap'], gt) for entry, gt in scored]

    def compute_metrics(self, results: list) -> dict:
        visible = self._visible(results)
        num_empty = sum(not gt.any() for _, gt in visible)
        if num_empty == len(visible):
            raise ValueError(f'none of the {len(results)} test clips has a ground-truth '
                             'box or mask')
        scored = self._scored(visible)
        model = [self._score(entry['heatmap'], gt) for entry, gt in scored]
        prior = self._fixed_cious(centre_prior_map(), [gt for _, gt in scored])
        other = [self._score(entry['heatmap_other_audio'], gt) for entry, gt in scored
                 if 'heatmap_other_audio' in entry]
        metrics = self._summarise(model, '')
        metrics.update(self._summarise(prior, 'centre_prior/'))
        if other:
            metrics.update(self._summarise(other, 'other_audio/'))
        if self.extended:
            metrics.update(self._extended(results, scored, model))
        listed = (self.dataset_meta or {}).get('num_listed')
        metrics.update(num_listed=listed if listed is not None else len(results),
                       num_scored=len(model), num_unscored=len(visible) - len(model),
                       num_empty_gt=num_empty)
        self._log(metrics, len(results))
        return metrics

    def _extended(self, results: list, scored: List[Tuple[dict, np.ndarray]],
                  model: List[float]) -> dict:
        """SLAVC's scores: the scored clips are the visible pairs; their other-audio
        heatmaps and the clips marked non-sounding are the non-visible ones."""
        conf_visible = [confidence_score(entry['heatmap']) for entry, _ in scored]
        conf_silent = [confidence_score(e['heatmap']) for e in results
                       if not e['is_sounding']]
        conf_silent += [confidence_score(entry['heatmap_other_audio'])
                        for entry, _ in scored if 'heatmap_other_audio' in entry]
        if not conf_silent:
            raise ValueError('extended=True needs non-visible pairs: keep the '
                             'dataset\'s other_audio_control on or test on a list '
                             'with non-sounding rows')
        metrics = {}
        for iou in (0.5, 0.75):
            scores = detection_scores(conf_visible, model, conf_silent, iou)
            metrics.update({f'extended/{k}@{iou:g}': v for k, v in scores.items()})
        by_size = defaultdict(list)
        for (_, gt), value in zip(scored, model):
            by_size[size_bin(gt)].append(value)
        for name, _, _ in SIZE_BINS:
            cious = by_size.get(name, [])
            metrics[f'size/{name}/num_clips'] = len(cious)
            if cious:
                metrics[f'size/{name}/cIoU@{self.threshold:g}'] = ciou_at_threshold(
                    cious, self.threshold)
        metrics['extended/num_non_visible'] = len(conf_silent)
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
