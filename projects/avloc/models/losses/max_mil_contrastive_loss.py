"""EZ-VSL's multiple-instance contrastive loss (Mo & Morgado, "Localizing Visual
Sounds the Easy Way", ECCV 2022, https://arxiv.org/abs/2203.09324)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from avloc.utils import force_float32


@MODELS.register_module()
class MaxMILContrastiveLoss(nn.Module):
    """An image and an audio match if *some* location of the image matches the audio.

    The score of image n and audio k is the best cosine over the locations of
    image n, divided by ``tau``; the loss is the cross-entropy of matching each
    image to its audio plus that of each audio to its image (EZ-VSL sums the two).
    Computed in float32 under autocast (the logits reach 1 / tau, 33 by default).

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
        """(B, B, h, w) image-by-audio cosine maps -> (B, B) image-by-audio logits."""
        return cross_maps.flatten(2).amax(2) / self.tau

    @force_float32
    def forward(self, cross_maps: torch.Tensor) -> torch.Tensor:
        logits = self.logits(cross_maps)
        target = torch.arange(len(logits), device=logits.device)
        return self.loss_weight * (F.cross_entropy(logits, target) +
                                   F.cross_entropy(logits.t(), target))
