"""EZ-VSL's multiple-instance contrastive head (Mo & Morgado, "Localizing Visual
Sounds the Easy Way", ECCV 2022, https://arxiv.org/abs/2203.09324)."""
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from avloc.utils import force_float32
from ..utils import AVEmbeddings, cosine_heatmaps


@MODELS.register_module()
class MaxMILContrastiveHead(nn.Module):
    """An image and an audio match if *some* location of the image matches the audio.

    The score of image n and audio k is the best cosine over the locations of
    image n, divided by ``tau``; the loss is the cross-entropy of matching each
    image to its audio plus that of each audio to its image (EZ-VSL sums the two).
    With negatives gathered across ranks, each image is matched among every rank's
    audios and each audio among every rank's images (the visual maps are gathered
    too). Computed in float32 under autocast (the logits reach 1 / tau, 33 by
    default).

    Args:
        tau (float): Temperature. Defaults to 0.03.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self, tau: float = 0.03, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight

    @force_float32
    def logits(self, cross_maps: torch.Tensor) -> torch.Tensor:
        """(B, K, h, w) image-by-audio cosine maps -> (B, K) image-by-audio logits."""
        return cross_maps.flatten(2).amax(2) / self.tau

    def loss(self, embeddings: AVEmbeddings) -> Dict[str, torch.Tensor]:
        """``loss_mil``: image-to-audio plus audio-to-image cross-entropy."""
        audio, offset = embeddings.negatives(embeddings.audio)  # (K, D)
        visual, _ = embeddings.negatives(embeddings.visual)  # (K, D, h, w)
        b = len(embeddings.audio)
        target = torch.arange(b, device=audio.device) + offset
        image_to_audio = self.logits(cosine_heatmaps(embeddings.visual, audio))  # (B, K)
        if embeddings.across_ranks:  # each own audio against every rank's images
            audio_to_image = self.logits(cosine_heatmaps(visual, embeddings.audio)).t()
        else:  # K = B: the same maps, transposed
            audio_to_image = image_to_audio.t()
        return dict(loss_mil=self.loss_weight * (F.cross_entropy(image_to_audio, target) +
                                                 F.cross_entropy(audio_to_image, target)))
