"""Warping maps between views with the homographies the pipeline recorded
(:func:`~.homography.grid_homography` rescales them to the maps' grids)."""
from typing import Tuple

import torch
import torch.nn.functional as F

from avloc.utils.precision import force_float32


@force_float32
def warp_maps(maps: torch.Tensor, matrix: torch.Tensor,
              out_size: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Warp ``maps`` into a destination frame by a homography (bilinear, zeros).

    Args:
        maps (Tensor): (B, C, h, w) source maps.
        matrix (Tensor): (B, 3, 3) maps source to destination continuous pixel
            coordinates of these maps.
        out_size: (h', w') destination size.

    Returns:
        tuple: the warped (B, C, h', w') maps (float32 for reduced-precision maps,
        autocast or not: bfloat16 pixel coordinates are off by up to half a pixel
        above 128) and a (B, 1, h', w') bool mask of the destination pixels
        whose centre maps inside the source map.
    """
    b, _, h, w = maps.shape
    out_h, out_w = out_size
    ys, xs = torch.meshgrid(torch.arange(out_h, device=maps.device, dtype=maps.dtype) + 0.5,
                            torch.arange(out_w, device=maps.device, dtype=maps.dtype) + 0.5,
                            indexing='ij')
    dst = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1).reshape(1, -1, 3)  # (1, P, 3)
    src = dst @ torch.linalg.inv(matrix.to(maps.dtype)).transpose(1, 2)  # (B, P, 3)
    src = src[..., :2] / src[..., 2:]
    inside = (src[..., 0] >= 0) & (src[..., 0] <= w) & (src[..., 1] >= 0) & (src[..., 1] <= h)
    # grid_sample with align_corners=False: -1 and 1 are the outer pixel edges.
    norm = torch.stack([src[..., 0] / w * 2 - 1, src[..., 1] / h * 2 - 1], dim=-1)
    warped = F.grid_sample(maps, norm.reshape(b, out_h, out_w, 2), mode='bilinear',
                           padding_mode='zeros', align_corners=False)
    return warped, inside.reshape(b, 1, out_h, out_w)
