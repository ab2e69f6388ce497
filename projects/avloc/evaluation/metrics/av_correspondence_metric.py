"""Audio-visual correspondence on held-out training clips: a validation score that
needs no boxes."""
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from avloc.registry import METRICS
from ..functional import confidence_score


@METRICS.register_module()
class AVCorrespondenceMetric(BaseMetric):
    """How often a frame's heatmap is more confident with its own audio than with
    another clip's.

    Training lists carry no boxes, so cIoU cannot select a checkpoint without
    touching the test set. This metric scores the held-out share of the training
    list instead (``VGGSoundDataset(holdout=...)``): per clip, the confidence
    (mean of the top 25% of the cosine map, :func:`confidence_score`) with its own
    audio against that with its partner clip's audio (the other-audio control, see
    :class:`avloc.datasets.OtherAudioMixin`: partners are fixed by dataset index, so
    the score does not change with the batch size or the number of GPUs).
    ``accuracy`` is the share of clips where
    their own audio wins, ``margin`` the mean confidence difference.

    Args:
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'avc'.
    """

    default_prefix = 'avc'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_heatmap_other_audio' not in sample:
                raise ValueError('AVCorrespondenceMetric needs the other-audio heatmap: '
                                 'evaluate a dataset of at least two clips with '
                                 'other_audio_control=True (the default in test mode)')
            own, other = (confidence_score(sample[key].squeeze(0).float().cpu().numpy())
                          for key in ('pred_heatmap', 'pred_heatmap_other_audio'))
            self.results.append((own, other))

    def compute_metrics(self, results: list) -> dict:
        if not results:
            raise ValueError('AVCorrespondenceMetric got no clips to score')
        own, other = np.asarray(results, np.float64).T
        metrics = dict(accuracy=float(np.mean(own > other)),
                       margin=float(np.mean(own - other)), num_clips=len(results))
        meta = self.dataset_meta or {}
        MMLogger.get_current_instance().info(
            f'audio-visual correspondence on {meta.get("list_name", "an unnamed list")} '
            f'(md5 {meta.get("list_md5", "unknown")}): {len(results)} clips scored of '
            f'{meta.get("num_listed", len(results))} listed')
        return metrics
