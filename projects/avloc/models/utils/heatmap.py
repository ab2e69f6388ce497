"""Cosine audio-visual heatmaps, in float32 even under autocast (they feed the losses
and the warps; see :mod:`avloc.utils.precision`)."""
import torch
import torch.nn.functional as F

from avloc.utils.precision import force_float32


@force_float32
def cosine_heatmaps(visual: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
    """Every image against every audio.

    Args:
        visual (Tensor): (B, C, h, w) visual feature map.
        audio (Tensor): (K, C) audio embeddings.

    Returns:
        Tensor: (B, K, h, w) float32 cosine similarities in [-1, 1]; entry [n, k] is
        image n against audio k, so the diagonal n == k holds the matching pairs.
    """
    visual = F.normalize(visual, dim=1)
    audio = F.normalize(audio, dim=1)
    return torch.einsum('nchw,kc->nkhw', visual, audio)


@force_float32
def paired_heatmaps(visual: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
    """Image i against audio i: (B, C, h, w), (B, C) -> (B, 1, h, w)."""
    visual = F.normalize(visual, dim=1)
    audio = F.normalize(audio, dim=1)
    return torch.einsum('nchw,nc->nhw', visual, audio)[:, None]


def min_max(maps: torch.Tensor) -> torch.Tensor:
    """Scale each (1, H, W) map of a (B, 1, H, W) batch to [0, 1] (a constant map
    becomes 0)."""
    low = maps.amin((2, 3), keepdim=True)
    high = maps.amax((2, 3), keepdim=True)
    return (maps - low) / (high - low).clamp_min(1e-12)
