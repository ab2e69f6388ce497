"""SSL-TIE's geometric equivariance loss: heatmap(T(x)) should equal T(heatmap(x))."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from ..utils import grid_homography, warp_maps


@MODELS.register_module()
class EquivarianceLoss(nn.Module):
    """MSE between view 2's heatmap and view 1's heatmap warped into view 2.

    The warp is ``H_2 @ inv(H_1)`` from the recorded homographies, scaled to the
    heatmap grids. Only cells that both views see count: the cell centre of view 2
    must show the frame (not padding) and land on a part of view 1 that shows it.

    Args:
        loss_weight (float): lambda_geo. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, heatmap1: torch.Tensor, heatmap2: torch.Tensor,
                matrix1: torch.Tensor, matrix2: torch.Tensor, valid1: torch.Tensor,
                valid2: torch.Tensor) -> torch.Tensor:
        """
        Args:
            heatmap1, heatmap2: (B, 1, h1, w1) and (B, 1, h2, w2).
            matrix1, matrix2: (B, 3, 3) decoded frame -> view pixel coordinates.
            valid1, valid2: (B, 1, H1, W1) and (B, 1, H2, W2), 1 where each view's
                input shows the frame.
        """
        img1, img2 = tuple(valid1.shape[-2:]), tuple(valid2.shape[-2:])
        grid1, grid2 = tuple(heatmap1.shape[-2:]), tuple(heatmap2.shape[-2:])
        one_to_two = matrix2 @ torch.linalg.inv(matrix1)
        warped, _ = warp_maps(heatmap1, grid_homography(one_to_two, img1, grid1, img2, grid2),
                              grid2)
        # view 1's valid mask sampled at view 2's cell centres (zero outside view 1).
        seen_by_view1, _ = warp_maps(valid1.to(heatmap1.dtype),
                                     grid_homography(one_to_two, img1, img1, img2, grid2),
                                     grid2)
        shown_in_view2 = F.interpolate(valid2.to(heatmap2.dtype), size=grid2, mode='area')
        mask = ((seen_by_view1 > 0.5) & (shown_in_view2 > 0.5)).to(heatmap2.dtype)
        sq_err = (heatmap2 - warped) ** 2 * mask
        return self.loss_weight * sq_err.sum() / mask.sum().clamp_min(1.0)
