"""Writing a model's test-time outputs into the data samples."""
from typing import List, Optional

import torch
import torch.nn.functional as F

from avloc.structures import AVDataSample


def attach_predictions(data_samples: List[AVDataSample], heatmaps: torch.Tensor,
                       visual: torch.Tensor, audio: torch.Tensor,
                       other_heatmaps: Optional[torch.Tensor] = None
                       ) -> List[AVDataSample]:
    """Store per clip the heatmap, the L2-normalised embeddings (visual: the mean over
    locations of the feature map) and, when given, the other-audio heatmap.

    Args:
        data_samples (list[AVDataSample]): B samples, updated in place.
        heatmaps (Tensor): (B, 1, h, w).
        visual (Tensor): (B, C, h', w') visual feature map.
        audio (Tensor): (B, C) audio embedding.
        other_heatmaps (Tensor, optional): (B, 1, h, w). Defaults to None.
    """
    visual_emb = F.normalize(visual.mean((2, 3)), dim=1)
    audio_emb = F.normalize(audio, dim=1)
    for i, sample in enumerate(data_samples):
        sample.pred_heatmap = heatmaps[i]
        sample.audio_embedding = audio_emb[i]
        sample.visual_embedding = visual_emb[i]
        if other_heatmaps is not None:
            sample.pred_heatmap_other_audio = other_heatmaps[i]
    return data_samples
