"""Writing a model's test-time outputs into the data samples."""
from typing import List, Optional

import torch
import torch.nn.functional as F

from avloc.structures import AVDataSample
from avloc.utils.precision import force_float32


@force_float32
def attach_predictions(data_samples: List[AVDataSample], heatmaps: torch.Tensor,
                       visual: torch.Tensor, audio: torch.Tensor,
                       other_heatmaps: Optional[torch.Tensor] = None,
                       visual_pooling: str = 'avg') -> List[AVDataSample]:
    """Store per clip the heatmap, the L2-normalised embeddings and, when given, the
    other-audio heatmap, all in float32 (metrics never see an autocast dtype).

    The visual embedding pools the feature map over locations: 'avg' (the mean, the
    default) or 'max' (the strongest response per channel). It never looks at the
    audio, so cross-modal retrieval cannot peek at the answer.

    Args:
        data_samples (list[AVDataSample]): B samples, updated in place.
        heatmaps (Tensor): (B, 1, h, w).
        visual (Tensor): (B, C, h', w') visual feature map.
        audio (Tensor): (B, C) audio embedding.
        other_heatmaps (Tensor, optional): (B, 1, h, w). Defaults to None.
        visual_pooling (str): 'avg' or 'max'. Defaults to 'avg'.
    """
    if visual_pooling not in ('avg', 'max'):
        raise ValueError(f"visual_pooling must be 'avg' or 'max', got {visual_pooling!r}")
    pooled = visual.mean((2, 3)) if visual_pooling == 'avg' else visual.amax((2, 3))
    visual_emb = F.normalize(pooled, dim=1)
    audio_emb = F.normalize(audio, dim=1)
    for i, sample in enumerate(data_samples):
        sample.pred_heatmap = heatmaps[i]
        sample.audio_embedding = audio_emb[i]
        sample.visual_embedding = visual_emb[i]
        if other_heatmaps is not None:
            sample.pred_heatmap_other_audio = other_heatmaps[i]
    return data_samples


def checked_test_cfg(test_cfg: Optional[dict]) -> dict:
    """The model's ``test_cfg``, refusing the key that moved to the dataset (a config
    that still sets it would otherwise expect a switch that does nothing)."""
    test_cfg = dict(test_cfg or {})
    if 'other_audio_control' in test_cfg:
        raise ValueError('model.test_cfg.other_audio_control is gone: the other-audio '
                         'control is the val/test dataset\'s other_audio_control '
                         '(on in test mode by default); remove the key from test_cfg')
    return test_cfg
