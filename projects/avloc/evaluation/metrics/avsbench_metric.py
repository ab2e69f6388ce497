"""AVSBench's mIoU and F-score of localisation heatmaps against ground-truth masks
(see :mod:`avloc.evaluation.functional.avsbench`)."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from avloc.registry import METRICS
from ..functional.avsbench import (BETA2, FRAMES_PER_BATCH, NUM_THRESHOLDS, batch_fscore,
                                   batch_miou, heatmap_probabilities, num_batches)
from ..functional.ciou import EVAL_SIZE, centre_prior_map, mask_to_gt_map
from .ciou_metric import ciou_entry


@METRICS.register_module()
class AVSBenchMetric(BaseMetric):
    """mIoU and F-score over AVSBench test frames, batched as the public test loop.

    Each frame's heatmap becomes a probability map by
    :func:`~avloc.evaluation.functional.avsbench.heatmap_probabilities` (bilinear
    resize to 224, min-max normalised: a heatmap has no sigmoid) and is scored
    against its ``gt_mask`` (nearest-neighbour resize to 224, non-zero is
    sounding). As AVSBench's ``test.py`` with ``--test_batch_size 4``, the frames
    are cut into batches of 20 (4 videos x 5 frames) in the dataset's order (MMEngine
    gathers the results of every rank in that order), each batch is scored, and
    the scores are the mean over batches. The batches are the published ones when
    the whole test list is evaluated and every video has its 5 frames listed.

    Besides the model's heatmaps it scores the centre prior (what a model scores
    without looking) and, when the model predicted them, the heatmaps made with
    another clip's audio (what it scores without listening).

    Every evaluation logs the test list's name and md5 (from the dataset's
    metainfo), how many frames were listed and evaluated, the batches, and how many
    frames have no sounding object (an all-black mask: in mIoU they score the
    pixels left empty; the F-score leaves them out, as published).

    Args:
        frames_per_batch (int): Defaults to 20.
        beta2 (float): The F-score's weight of precision. Defaults to 0.3.
        num_thresholds (int): The F-score's thresholds. Defaults to 255.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'avsbench'.
    """

    default_prefix = 'avsbench'

    def __init__(self, frames_per_batch: int = FRAMES_PER_BATCH, beta2: float = BETA2,
                 num_thresholds: int = NUM_THRESHOLDS, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if frames_per_batch < 1:
            raise ValueError(f'frames_per_batch must be at least 1, got {frames_per_batch}')
        self.frames_per_batch = frames_per_batch
        self.beta2 = beta2
        self.num_thresholds = num_thresholds

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'gt_mask' not in sample:
                raise ValueError(
                    f"clip {sample['clip_id']} has no gt_mask: AVSBenchMetric scores "
                    'masks (add LoadGroundTruthMask to the test pipeline)')
            entry = ciou_entry(sample)
            # The mask at the evaluation size, as bool: a quarter of float32's bytes
            # to gather from every rank.
            entry['gt_mask'] = mask_to_gt_map(entry['gt_mask'], EVAL_SIZE) > 0
            entry.pop('gt_bboxes')
            self.results.append(entry)

    def _scores(self, results: List[dict], name: str, key: Optional[str]) -> Dict[str, float]:
        """mIoU and F-score of the heatmaps under ``key`` (None: the centre prior)."""
        prior = heatmap_probabilities([centre_prior_map()])[0]
        ious, fscores = [], []
        for start in range(0, len(results), self.frames_per_batch):
            batch = results[start:start + self.frames_per_batch]
            masks = np.stack([entry['gt_mask'] for entry in batch])  # (B, 224, 224)
            probs = (heatmap_probabilities([entry[key] for entry in batch]) if key else
                     np.repeat(prior[None], len(batch), axis=0))
            ious.append(batch_miou(probs, masks))
            fscores.append(batch_fscore(probs, masks, self.beta2, self.num_thresholds))
        return {f'{name}mIoU': float(np.mean(ious)), f'{name}F-score': float(np.mean(fscores))}

    def compute_metrics(self, results: list) -> dict:
        if not results:
            raise ValueError('AVSBenchMetric got no test frames')
        metrics = self._scores(results, '', 'heatmap')
        metrics.update(self._scores(results, 'centre_prior/', None))
        if all('heatmap_other_audio' in entry for entry in results):
            metrics.update(self._scores(results, 'other_audio/', 'heatmap_other_audio'))
        listed = (self.dataset_meta or {}).get('num_listed')
        metrics.update(num_listed=listed if listed is not None else len(results),
                       num_frames=len(results),
                       num_batches=num_batches(len(results), self.frames_per_batch),
                       num_no_object=sum(not entry['gt_mask'].any() for entry in results))
        self._log(metrics)
        return metrics

    def _log(self, metrics: dict) -> None:
        meta = self.dataset_meta or {}
        MMLogger.get_current_instance().info(
            f"AVSBench mIoU and F-score (beta2 {self.beta2:g}, {self.num_thresholds} "
            f"thresholds) on {meta.get('list_name', 'an unnamed list')} "
            f"(md5 {meta.get('list_md5', 'unknown')}): {metrics['num_listed']} frames "
            f"listed, {metrics['num_frames']} evaluated in {metrics['num_batches']} "
            f'batches of {self.frames_per_batch}; {metrics["num_no_object"]} with no '
            'sounding object (in mIoU by the pixels left empty, left out of the F-score)')
