"""SSL-TIE's geometric equivariance loss: heatmap(T(x)) should equal T(heatmap(x))."""
from typing import Tuple

import torch
import torch.nn as nn

from avloc.registry import MODELS
from ..utils import grid_homography, warp_maps


@MODELS.register_module()
class EquivarianceLoss(nn.Module):
    """MSE between view 2's heatmap and view 1's heatmap warped into view 2.

    The warp is ``H_2 @ inv(H_1)`` from the recorded homographies, scaled to the
    heatmap grids. Only cells whose centre both views see count: the cell must fall
    inside view 1's frame and come from inside the original frame (not padding).

    Args:
        loss_weight (float): lambda_geo. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, heatmap1: torch.Tensor, heatmap2: torch.Tensor,
                matrix1: torch.Tensor, matrix2: torch.Tensor,
                img_size1: Tuple[int, int], img_size2: Tuple[int, int],
                ori_sizes: torch.Tensor) -> torch.Tensor:
        """
        Args:
            heatmap1, heatmap2: (B, 1, h1, w1) and (B, 1, h2, w2).
            matrix1, matrix2: (B, 3, 3) original frame -> view pixel coordinates.
            img_size1, img_size2: (H, W) of the two views' inputs.
            ori_sizes: (B, 2) (H, W) of each original frame.
        """
        grid1, grid2 = heatmap1.shape[-2:], heatmap2.shape[-2:]
        one_to_two = grid_homography(matrix2 @ torch.linalg.inv(matrix1), img_size1, grid1,
                                     img_size2, grid2)
        warped, seen_by_view1 = warp_maps(heatmap1, one_to_two, grid2)
        # Cells of view 2 that show the original frame rather than padding.
        ori_to_two = grid_homography(matrix2, (1, 1), (1, 1), img_size2, grid2)
        ori_to_two = ori_to_two @ torch.diag_embed(torch.stack(
            [ori_sizes[:, 1], ori_sizes[:, 0], torch.ones_like(ori_sizes[:, 0])], 1).to(
                ori_to_two.dtype))  # from the unit square of each original frame
        unit = torch.ones_like(heatmap2[:, :, :1, :1])
        _, inside_frame = warp_maps(unit, ori_to_two, grid2)
        mask = (seen_by_view1 & inside_frame).to(heatmap2.dtype)
        sq_err = (heatmap2 - warped) ** 2 * mask
        return self.loss_weight * sq_err.sum() / mask.sum().clamp_min(1.0)
