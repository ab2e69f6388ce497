"""Each test clip's heatmaps and ground truth, written to a file that loads without
trusting its pickle (``tools/test.py --dump``, read by ``plot_ciou_curve.py``)."""
from typing import List, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from avloc.registry import METRICS
from avloc.structures import AUDIO_CONTROLS
from avloc.utils import load_checkpoint_file
from .ciou_metric import ciou_entry

_ARRAYS = ('heatmap', 'gt_bboxes', 'gt_mask') + tuple(c.entry_key for c in AUDIO_CONTROLS)


@METRICS.register_module()
class DumpPredictions(BaseMetric):
    """Save :func:`~avloc.evaluation.metrics.ciou_metric.ciou_entry` of every clip
    to ``out_file`` with ``torch.save``: tensors, strings and booleans only, so
    :func:`load_predictions` reads it with torch's restricted unpickler.

    Args:
        out_file (str): Where to write the predictions.
        collect_device (str): Defaults to 'cpu'.
    """

    default_prefix = 'dump'

    def __init__(self, out_file: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        self.out_file = out_file

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            entry = ciou_entry(sample)
            self.results.append({k: torch.from_numpy(v) if k in _ARRAYS else v
                                 for k, v in entry.items()})

    def compute_metrics(self, results: list) -> dict:
        torch.save(results, self.out_file)
        return {}


def load_predictions(path: str) -> List[dict]:
    """The per-clip entries a :class:`DumpPredictions` file holds, as numpy arrays
    (what :meth:`CIoUMetric.clip_cious` scores).

    Raises:
        ValueError: ``path`` is not such a file (the error names it); a pickle that
            asks for code is refused before any of it runs.
    """
    entries = load_checkpoint_file(path)
    if (not isinstance(entries, list) or not entries
            or not all(isinstance(e, dict) and 'heatmap' in e and 'clip_id' in e
                       for e in entries)):
        raise ValueError(f'{path}: not a tools/test.py --dump file (a list of clips '
                         'with their heatmaps)')
    return [{k: np.asarray(v) if k in _ARRAYS else v for k, v in e.items()}
            for e in entries]
