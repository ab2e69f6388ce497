"""LVS's localisation contrastive head (Chen et al., "Localizing Visual Sounds the
Hard Way", CVPR 2021, https://arxiv.org/abs/2104.02691), as used by SSL-TIE."""
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from avloc.utils import force_float32
from ..utils import AVEmbeddings, cosine_heatmaps


def _soft_mean(weights: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
    """sum(w * A) / sum(w) over the last two dims."""
    return (weights * maps).sum((-2, -1)) / weights.sum((-2, -1)).clamp_min(1e-30)


@MODELS.register_module()
class LocalizationContrastiveHead(nn.Module):
    """Image i's positive region against the background (hard negative) and the
    other audios' regions, in one cross-entropy per image. Computed in float32
    under autocast: the sigmoid sharpens cosines by 1 / tau (33 by default), and its
    weights underflow in float16.

    Args:
        eps (float): Positive threshold. Defaults to 0.65.
        eps2 (float): Hard-negative threshold. Defaults to 0.4.
        tau (float): Sigmoid sharpness. Defaults to 0.03.
        temperature (float): Logit temperature. Defaults to 0.07.
        diagonal_quirk (bool): Reproduce the public code's mask, which keeps the
            positive pair among the negatives multiplied by -99 instead of dropping
            it (wrong whenever its score is negative). Defaults to False.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self, eps: float = 0.65, eps2: float = 0.4, tau: float = 0.03,
                 temperature: float = 0.07, diagonal_quirk: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eps, self.eps2, self.tau = eps, eps2, tau
        self.temperature = temperature
        self.diagonal_quirk = diagonal_quirk
        self.loss_weight = loss_weight

    def loss(self, embeddings: AVEmbeddings) -> Dict[str, torch.Tensor]:
        """``loss_cl``: the mean cross-entropy over this rank's images."""
        audio, offset = embeddings.negatives(embeddings.audio)
        return dict(loss_cl=self.loss_from_maps(cosine_heatmaps(embeddings.visual, audio),
                                                offset))

    @force_float32
    def logits(self, cross_maps: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """Image-by-audio maps -> logits, positive first.

        Args:
            cross_maps (Tensor): (B, K, h, w), image n against audio k; image n's own
                audio is column ``offset + n`` (K = B and offset 0 for one process;
                K = W * B with negatives gathered from W ranks).
            offset (int): Column of image 0's own audio. Defaults to 0.

        Returns:
            Tensor: (B, K + 1) logits: positive, the K - 1 other audios, the hard
            negative (``K + 2`` columns with ``diagonal_quirk``).
        """
        b, k = cross_maps.shape[:2]
        rows = torch.arange(b, device=cross_maps.device)
        own_audio = torch.zeros(b, k, dtype=torch.bool, device=cross_maps.device)
        own_audio[rows, rows + offset] = True
        region = _soft_mean(torch.sigmoid((cross_maps - self.eps) / self.tau), cross_maps)
        own = cross_maps[own_audio].reshape(b, *cross_maps.shape[2:])  # (B, h, w)
        s_pos = region[own_audio][:, None]
        s_hn = _soft_mean(1 - torch.sigmoid((own - self.eps2) / self.tau), own)[:, None]
        if self.diagonal_quirk:
            s_neg = region * (1 - 100 * own_audio.float())
        else:
            s_neg = region[~own_audio].reshape(b, k - 1)
        return torch.cat([s_pos, s_neg, s_hn], dim=1) / self.temperature

    @force_float32
    def loss_from_maps(self, cross_maps: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """Mean cross-entropy over the B images of ``cross_maps`` (B, K, h, w); see
        :meth:`logits`."""
        logits = self.logits(cross_maps, offset)
        target = torch.zeros(len(logits), dtype=torch.long, device=logits.device)
        return self.loss_weight * F.cross_entropy(logits, target)
