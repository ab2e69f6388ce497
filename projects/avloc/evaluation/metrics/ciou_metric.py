"""cIoU metric with switchable protocols (see ``avloc.evaluation.functional``)."""
from collections import defaultdict
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from avloc.registry import METRICS
from ..functional import (SIZE_BINS, boxes_to_gt_map, centre_prior_map, ciou,
                          ciou_at_threshold, ciou_auc, confidence_score, detection_scores,
                          get_protocol, mask_to_gt_map, size_bin)


def _array(sample: dict, key: str) -> np.ndarray:
    return sample[key].float().cpu().numpy()


@METRICS.register_module()
class CIoUMetric(BaseMetric):
    """cIoU@0.5, AUC and mean cIoU over the test clips, plus reference rows.

    Besides the model's own heatmap, it scores the centre prior (a centred disc of
    half the frame: what a model scores without looking) and, when the model
    predicted it, the heatmap made with another clip's audio (what a model scores
    without listening). A clip whose ground-truth map is empty cannot be scored; it
    is counted in ``num_unscored`` and left out, never scored as 0 or 1. The
    ground truth is the clip's ``gt_mask`` when it has one (AVSBench), else its boxes.

    Every evaluation logs the protocol, the test list's name and md5 (from the
    dataset's metainfo) and how many clips were listed and scored.

    Args:
        protocol (str | dict): 'lvs' (= 'ssltie'), 'ezvsl', 'absolute' or
            'adaptive', optionally with overrides, e.g.
            ``dict(name='absolute', value=0.3)``; see
            :mod:`avloc.evaluation.functional.protocols`. Defaults to 'lvs'.
        threshold (float): cIoU threshold of the headline number. Defaults to 0.5.
        gt_map (str): How boxes become the ground-truth map: 'union' (VGG-SS) or
            'consensus' (Flickr-SoundNet's annotators), see
            :func:`boxes_to_gt_map`. Defaults to 'union'.
        extended (bool): Also score SLAVC's extended protocol (AP, max-F1 and
            precision at ciou 0.5 and 0.75, cIoU by object size), with the
            other-audio heatmaps (model ``test_cfg.other_audio_control=True``) and any
            clip marked ``is_sounding=False`` as the non-visible pairs; see
            :mod:`avloc.evaluation.functional.extended`. Defaults to False.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'ciou'.
    """

    default_prefix = 'ciou'

    def __init__(self, protocol: Union[str, dict] = 'lvs', threshold: float = 0.5,
                 gt_map: str = 'union', extended: bool = False,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        boxes_to_gt_map(np.zeros((0, 4)), rule=gt_map)  # reject an unknown rule now
        self.protocol = get_protocol(protocol)
        self.threshold = threshold
        self.gt_map = gt_map
        self.extended = extended

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            entry = dict(clip_id=sample['clip_id'], heatmap=_array(sample, 'pred_heatmap')[0],
                         gt_bboxes=_array(sample, 'gt_bboxes'),
                         is_sounding=bool(sample.get('is_sounding', True)))
            if 'gt_mask' in sample:
                entry['gt_mask'] = _array(sample, 'gt_mask')
            if 'pred_heatmap_other_audio' in sample:
                entry['heatmap_other_audio'] = _array(sample, 'pred_heatmap_other_audio')[0]
            self.results.append(entry)

    def _gt_map(self, entry: dict) -> np.ndarray:
        if 'gt_mask' in entry:
            return mask_to_gt_map(entry['gt_mask'])
        return boxes_to_gt_map(entry['gt_bboxes'], rule=self.gt_map)

    def _score(self, heatmap: np.ndarray, gt: np.ndarray) -> float:
        return ciou(self.protocol.predict(heatmap, gt), gt)

    def _summarise(self, cious: List[float], name: str) -> dict:
        auc, _ = ciou_auc(cious)
        return {f'{name}cIoU@{self.threshold:g}': ciou_at_threshold(cious, self.threshold),
                f'{name}AUC': auc, f'{name}mean_cIoU': float(np.mean(cious))}

    def _scorable(self, results: list) -> Iterator[Tuple[dict, np.ndarray]]:
        """(entry, ground-truth map) of every visible clip with a non-empty map."""
        for entry in results:
            if entry['is_sounding']:
                gt = self._gt_map(entry)
                if gt.sum() > 0:
                    yield entry, gt

    def clip_cious(self, results: list, heatmap: Optional[np.ndarray] = None
                   ) -> List[float]:
        """The ciou of every scorable clip, e.g. to plot the cIoU curve: of the
        model's heatmaps, or of one fixed ``heatmap`` (such as the centre prior)."""
        return [self._score(entry['heatmap'] if heatmap is None else heatmap, gt)
                for entry, gt in self._scorable(results)]

    def compute_metrics(self, results: list) -> dict:
        centre = centre_prior_map()
        scored = list(self._scorable(results))
        model = [self._score(entry['heatmap'], gt) for entry, gt in scored]
        if not model:
            raise ValueError(f'none of the {len(results)} test clips has a ground-truth '
                             'box or mask')
        prior = [self._score(centre, gt) for _, gt in scored]
        other = [self._score(entry['heatmap_other_audio'], gt) for entry, gt in scored
                 if 'heatmap_other_audio' in entry]
        metrics = self._summarise(model, '')
        metrics.update(self._summarise(prior, 'centre_prior/'))
        if other:
            metrics.update(self._summarise(other, 'other_audio/'))
        if self.extended:
            metrics.update(self._extended(results, scored, model))
        listed = (self.dataset_meta or {}).get('num_listed')
        num_sounding = sum(e['is_sounding'] for e in results)
        metrics.update(num_listed=listed if listed is not None else len(results),
                       num_scored=len(model), num_unscored=num_sounding - len(model))
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
            raise ValueError('extended=True needs non-visible pairs: enable the model\'s '
                             'test_cfg.other_audio_control or test on a list with '
                             'non-sounding rows')
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
        MMLogger.get_current_instance().info(
            f'cIoU protocol {self.protocol.name}, {self.gt_map} ground truth, on '
            f'{test_list} (md5 {digest}): '
            f'{metrics["num_listed"]} clips listed, {num_results} evaluated, '
            f'{metrics["num_scored"]} scored, {metrics["num_unscored"]} with an empty '
            'ground-truth map')
