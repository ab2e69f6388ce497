"""SLAVC's momentum-target contrastive head (Mo & Morgado, "A Closer Look at
Weakly-Supervised Audio-Visual Source Localization", NeurIPS 2022,
https://arxiv.org/abs/2209.09634)."""
from typing import Dict, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from avloc.utils import force_float32
from ..utils import AVEmbeddings


def split_projections(embeddings: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """SLAVC's two L2-normalised projections, concatenated along dim 1 by
    :class:`~avloc.models.algorithms.slavc.TwinProjection`: (B, 2D, ...) ->
    (B, D, ...), (B, D, ...)."""
    first, second = embeddings.chunk(2, dim=1)
    return first, second


@MODELS.register_module()
class SLAVCHead(nn.Module):
    """Which audio, times where: SLAVC's objective on two projections.

    The score of image n and audio m is
    ``log sum_hw softmax_m(<v1_n(hw), a1_m> / tau) * softmax_hw(<v2_n(hw), a2_m> / tau)``:
    the first projection picks the audio among the candidates at each location, the
    second the location for each audio. It is computed twice, each time one side
    from the momentum encoders: ``i2a`` with the online images and the target
    audios, ``a2i`` with the target images and the online audios; the loss is the
    cross-entropy of each image's own audio under both (the public ``model.py``
    sums them). With negatives gathered across ranks, the candidates are every
    rank's audios (targets for ``i2a``, online for ``a2i``). Computed in float32
    under autocast (the logits reach 1 / tau, 33 by default).

    The embeddings are (B, 2D, h, w) visual maps and (B, 2D) audios, each the two
    L2-normalised D-dim projections concatenated (:func:`split_projections`);
    ``visual_target`` and ``audio_target`` are the momentum encoders' (no gradient).

    Args:
        tau (float): Temperature. Defaults to 0.03.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self, tau: float = 0.03, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight

    @force_float32
    def log_scores(self, visual: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """(B, 2D, h, w) images, (K, 2D) audios -> (B, K) log-scores."""
        visual1, visual2 = split_projections(visual)
        audio1, audio2 = split_projections(audio)
        # (B, K, hw): over the audios for the first projection, the locations for
        # the second.
        which = F.softmax(torch.einsum('nchw,mc->nmhw', visual1, audio1).flatten(-2, -1)
                          / self.tau, dim=1)
        where = F.softmax(torch.einsum('nchw,mc->nmhw', visual2, audio2).flatten(-2, -1)
                          / self.tau, dim=2)
        return torch.log((which * where).sum(2))

    def loss(self, embeddings: AVEmbeddings) -> Dict[str, torch.Tensor]:
        """``loss_slavc``: image-to-target-audio plus target-image-to-audio
        cross-entropy."""
        if embeddings.visual_target is None or embeddings.audio_target is None:
            raise ValueError('SLAVCHead needs the momentum encoders\' visual_target and '
                             'audio_target in its AVEmbeddings (the SLAVC algorithm makes '
                             'them)')
        audio_target, offset = embeddings.negatives(embeddings.audio_target)  # (K, 2D)
        audio, _ = embeddings.negatives(embeddings.audio)  # (K, 2D)
        target = torch.arange(len(embeddings.audio), device=audio.device) + offset
        image_to_audio = self.log_scores(embeddings.visual, audio_target)  # (B, K)
        audio_to_image = self.log_scores(embeddings.visual_target, audio)  # (B, K)
        return dict(loss_slavc=self.loss_weight * (F.cross_entropy(audio_to_image, target) +
                                                   F.cross_entropy(image_to_audio, target)))
