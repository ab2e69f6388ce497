"""The input of every head: one batch's audio-visual embeddings."""
from dataclasses import dataclass
from typing import Optional, Tuple

import torch

from .gather_negatives import gather_across_ranks


@dataclass
class AVEmbeddings:
    """What a localiser's ``embed`` made of a training batch, handed to its head.

    Attributes:
        visual (Tensor): (B, D, h, w) visual feature maps, projections included.
        audio (Tensor): (B, D) audio embeddings of the same clips.
        visual_target (Tensor, optional): (B, D, h, w) target maps (e.g. of momentum
            encoders); None for methods without targets.
        audio_target (Tensor, optional): (B, D) target audio embeddings.
        across_ranks (bool): Whether :meth:`negatives` gathers every rank's rows.
    """

    visual: torch.Tensor
    audio: torch.Tensor
    visual_target: Optional[torch.Tensor] = None
    audio_target: Optional[torch.Tensor] = None
    across_ranks: bool = False

    def negatives(self, rows: torch.Tensor) -> Tuple[torch.Tensor, int]:
        """Candidates to contrast this rank's clips with.

        Args:
            rows (Tensor): (B, ...) this rank's rows (audio, pooled visual, ...).

        Returns:
            tuple: (K, ...) rows of every rank when ``across_ranks`` (K = W * B,
            the gradient flows back to each rank's own) else the rows themselves
            (K = B), and the offset of this rank's first row among them. Every
            rank must call it the same number of times, in the same order.
        """
        return gather_across_ranks(rows) if self.across_ranks else (rows, 0)
