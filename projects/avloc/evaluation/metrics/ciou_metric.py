"""cIoU metric under the LVS / SSL-TIE protocol (see ``avloc.evaluation.functional``)."""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from avloc.registry import METRICS
from ..functional import (boxes_to_gt_map, centre_prior_map, ciou, ciou_at_threshold,
                          ciou_auc, median_threshold_mask, resize_and_normalize)


def _score(heatmap: np.ndarray, gt: np.ndarray) -> float:
    """ciou of a raw (h, w) heatmap under the LVS protocol."""
    return ciou(median_threshold_mask(resize_and_normalize(heatmap)), gt)


@METRICS.register_module()
class CIoUMetric(BaseMetric):
    """cIoU@0.5, AUC and mean cIoU over the test clips, plus reference rows.

    Besides the model's own heatmap, it scores the centre prior (a centred disc of
    half the frame: what a model scores without looking) and, when the model
    predicted it, the heatmap made with another clip's audio (what a model scores
    without listening). A clip whose ground-truth map is empty cannot be scored; it
    is counted in ``num_unscored`` and left out, never scored as 0 or 1.

    Args:
        threshold (float): cIoU threshold of the headline number. Defaults to 0.5.
        gt_map (str): How boxes become the ground-truth map: 'union' (VGG-SS) or
            'consensus' (Flickr-SoundNet's annotators), see
            :func:`boxes_to_gt_map`. Defaults to 'union'.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'ciou'.
    """

    default_prefix = 'ciou'

    def __init__(self, threshold: float = 0.5, gt_map: str = 'union',
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        boxes_to_gt_map(np.zeros((0, 4)), rule=gt_map)  # reject an unknown rule now
        self.threshold = threshold
        self.gt_map = gt_map

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            entry = dict(clip_id=sample['clip_id'],
                         heatmap=sample['pred_heatmap'].squeeze(0).float().cpu().numpy(),
                         gt_bboxes=sample['gt_bboxes'].cpu().numpy())
            if 'pred_heatmap_other_audio' in sample:
                entry['heatmap_other_audio'] = \
                    sample['pred_heatmap_other_audio'].squeeze(0).float().cpu().numpy()
            self.results.append(entry)

    def _summarise(self, cious: List[float], name: str) -> dict:
        auc, _ = ciou_auc(cious)
        return {f'{name}cIoU@{self.threshold:g}': ciou_at_threshold(cious, self.threshold),
                f'{name}AUC': auc, f'{name}mean_cIoU': float(np.mean(cious))}

    def compute_metrics(self, results: list) -> dict:
        centre = median_threshold_mask(centre_prior_map())
        model, prior, other, unscored = [], [], [], 0
        for entry in results:
            gt = boxes_to_gt_map(entry['gt_bboxes'], rule=self.gt_map)
            if gt.sum() == 0:
                unscored += 1
                continue
            model.append(_score(entry['heatmap'], gt))
            prior.append(ciou(centre, gt))
            if 'heatmap_other_audio' in entry:
                other.append(_score(entry['heatmap_other_audio'], gt))
        if not model:
            raise ValueError(f'none of the {len(results)} test clips has a ground-truth box')
        metrics = self._summarise(model, '')
        metrics.update(self._summarise(prior, 'centre_prior/'))
        if other:
            metrics.update(self._summarise(other, 'other_audio/'))
        metrics['num_clips'] = len(model)
        metrics['num_unscored'] = unscored
        MMLogger.get_current_instance().info(
            f'cIoU protocol LVS (median threshold, strict >; {self.gt_map} '
            f'ground truth): scored {len(model)} of '
            f'{len(results)} clips ({unscored} with an empty ground-truth map)')
        return metrics
