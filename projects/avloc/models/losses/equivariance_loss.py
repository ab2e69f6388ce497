"""SSL-TIE's geometric equivariance loss: heatmap(T(x)) should equal T(heatmap(x))."""
from typing import Callable, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from avloc.structures.geometry import grid_homography, warp_maps
from avloc.utils import force_float32

CELLS = ('all', 'shared')
HEATMAP_WARPS = ('public', 'grid')


@MODELS.register_module()
class EquivarianceLoss(nn.Module):
    """MSE between view 2's heatmap and view 1's heatmap warped into view 2.

    The defaults are the public code's loss (``TfEquivarianceLoss``): view 1's
    heatmap is upsampled to its frame, warped there by T and resized to view 2's
    heatmap (``heatmap_warp='public'``), and the mean squared error runs over every
    cell of the map, the zero padding of the warped map included (``cells='all'``).

    The loss, the homographies and the warps run in float32 under autocast (see
    :mod:`avloc.models.utils.precision`).

    Two deliberate departures are options, never a paper config's default:

    - ``cells='shared'`` averages only over the cells both views see: the cell
      centre of view 2 shows the frame (not padding) and lands on a part of view 1
      that shows it. Padded cells carry no information about view 1's heatmap; the
      public form pulls view 2's map towards 0 there and, on typical maps, comes out
      about ten times smaller than the shared form, which silently weakens
      lambda_geo.
    - ``heatmap_warp='grid'`` samples view 1's heatmap at view 2's cell centres
      through the homography rescaled to the two grids, without the round trip
      through the frame size.

    Args:
        loss_weight (float): lambda_geo. Defaults to 1.0.
        cells (str): 'all' or 'shared'. Defaults to 'all'.
        heatmap_warp (str): 'public' or 'grid'. Defaults to 'public'.
    """

    def __init__(self, loss_weight: float = 1.0, cells: str = 'all',
                 heatmap_warp: str = 'public') -> None:
        super().__init__()
        if cells not in CELLS:
            raise ValueError(f'EquivarianceLoss: cells must be one of {CELLS}, got {cells!r}')
        if heatmap_warp not in HEATMAP_WARPS:
            raise ValueError(f'EquivarianceLoss: heatmap_warp must be one of '
                             f'{HEATMAP_WARPS}, got {heatmap_warp!r}')
        self.loss_weight = loss_weight
        self.cells = cells
        self.heatmap_warp = heatmap_warp

    @force_float32
    def forward(self, heatmap1: torch.Tensor, heatmap2: torch.Tensor,
                matrix1: torch.Tensor, matrix2: torch.Tensor, valid1: torch.Tensor,
                valid2: torch.Tensor,
                view_warp: Optional[Callable[[torch.Tensor], torch.Tensor]] = None
                ) -> torch.Tensor:
        """
        Args:
            heatmap1, heatmap2: (B, 1, h1, w1) and (B, 1, h2, w2).
            matrix1, matrix2: (B, 3, 3) decoded frame -> view pixel coordinates.
            valid1, valid2: (B, 1, H1, W1) and (B, 1, H2, W2), 1 where each view's
                input shows the frame.
            view_warp (callable, optional): The transform that made view 2 from
                view 1 on the device (:class:`EquivarianceWarp`), applied to
                heatmap 1 exactly as to the frame by the public way. None for
                views made by the data pipeline.
        """
        img1, img2 = tuple(valid1.shape[-2:]), tuple(valid2.shape[-2:])
        grid2 = tuple(heatmap2.shape[-2:])
        one_to_two = matrix2 @ torch.linalg.inv(matrix1)
        warped = self._warp(heatmap1, one_to_two, img1, img2, grid2, view_warp)
        if self.cells == 'all':
            return self.loss_weight * F.mse_loss(heatmap2, warped)
        # view 1's valid mask sampled at view 2's cell centres (zero outside view 1).
        seen_by_view1, _ = warp_maps(valid1.to(heatmap1.dtype),
                                     grid_homography(one_to_two, img1, img1, img2, grid2),
                                     grid2)
        shown_in_view2 = F.interpolate(valid2.to(heatmap2.dtype), size=grid2, mode='area')
        mask = ((seen_by_view1 > 0.5) & (shown_in_view2 > 0.5)).to(heatmap2.dtype)
        sq_err = (heatmap2 - warped) ** 2 * mask
        return self.loss_weight * sq_err.sum() / mask.sum().clamp_min(1.0)

    def _warp(self, heatmap1: torch.Tensor, one_to_two: torch.Tensor, img1: tuple,
              img2: tuple, grid2: tuple, view_warp: Optional[Callable]) -> torch.Tensor:
        """Heatmap 1 in view 2's grid: (B, 1, h1, w1) -> (B, 1, h2, w2)."""
        if self.heatmap_warp == 'grid':
            grid1 = tuple(heatmap1.shape[-2:])
            warped, _ = warp_maps(heatmap1, grid_homography(one_to_two, img1, grid1, img2,
                                                            grid2), grid2)
            return warped
        if view_warp is not None:
            warped = view_warp(heatmap1)
        else:  # pipeline views: the same upsample, warp, resize through the homography
            frame1 = F.interpolate(heatmap1, size=img1, mode='bilinear', align_corners=False)
            warped, _ = warp_maps(frame1, one_to_two, img2)
        if tuple(warped.shape[-2:]) != grid2:  # the public loss resizes to match
            warped = F.interpolate(warped, size=grid2, mode='bilinear', align_corners=False)
        return warped
