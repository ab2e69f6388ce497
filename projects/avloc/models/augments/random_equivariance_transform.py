"""SSL-TIE's second view, made on the model's device from the first one."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn

from avloc.registry import MODELS
from ..utils import warp_maps


def rotation_scale_matrix(angles: torch.Tensor, scale: float, height: int,
                          width: int) -> torch.Tensor:
    """OpenCV's ``getRotationMatrix2D`` for a batch: rotate by ``angles`` degrees
    (counter-clockwise on screen) and scale by ``scale`` about the image centre.

    Args:
        angles (Tensor): (B,) angles in degrees.
        scale (float): Isotropic scale.
        height, width: Image size; the centre is (width / 2, height / 2).

    Returns:
        Tensor: (B, 3, 3) homographies in continuous pixel coordinates.
    """
    rad = torch.deg2rad(angles)
    a, b = scale * torch.cos(rad), scale * torch.sin(rad)
    cx, cy = width / 2, height / 2
    matrix = torch.zeros(len(angles), 3, 3, dtype=angles.dtype, device=angles.device)
    matrix[:, 0, 0], matrix[:, 0, 1], matrix[:, 0, 2] = a, b, (1 - a) * cx - b * cy
    matrix[:, 1, 0], matrix[:, 1, 1], matrix[:, 1, 2] = -b, a, b * cx + (1 - a) * cy
    matrix[:, 2, 2] = 1
    return matrix


@MODELS.register_module()
class RandomEquivarianceTransform(nn.Module):
    """The public SSL-TIE code's geometric transform T, on a batch of frames.

    Per sample an integer rotation in [-max_angle, max_angle] degrees about the
    centre; per batch a scale drawn from ``scales`` (with 0.5 the content shrinks
    into the centre of the canvas and the canvas is then resized by the same
    factor, so the network sees a smaller input and outputs a smaller heatmap);
    per batch a horizontal flip with probability ``flip_prob``, after the warp.
    Bilinear sampling; outside pixels are zero, i.e. the mean colour once the frames
    are normalised. The returned matrices map view-1 pixels to view-2 pixels, so the
    equivariance loss warps heatmaps with the same code as for pipeline views.

    Args:
        max_angle (int): Largest rotation in degrees. Defaults to 30.
        scales (Sequence[float]): Scales drawn from, once per batch.
            Defaults to (1.0, 0.5).
        flip_prob (float): Probability of flipping the batch. Defaults to 0.5.
    """

    def __init__(self, max_angle: int = 30, scales: Sequence[float] = (1.0, 0.5),
                 flip_prob: float = 0.5) -> None:
        super().__init__()
        self.max_angle = max_angle
        self.scales = tuple(scales)
        self.flip_prob = flip_prob

    def sample_matrices(self, batch_size: int, height: int, width: int,
                        device: torch.device) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Draw T: (B, 3, 3) view-1 to view-2 pixel maps, and view 2's (h, w)."""
        angles = torch.randint(-self.max_angle, self.max_angle + 1, (batch_size,),
                               device=device).float()
        scale = self.scales[int(torch.randint(len(self.scales), ()))]
        out_h, out_w = round(height * scale), round(width * scale)
        matrix = rotation_scale_matrix(angles, scale, height, width)
        resize = torch.diag(torch.tensor([out_w / width, out_h / height, 1.0],
                                         device=device))
        matrix = resize @ matrix
        if torch.rand(()) < self.flip_prob:
            flip = torch.tensor([[-1.0, 0, out_w], [0, 1, 0], [0, 0, 1]], device=device)
            matrix = flip @ matrix
        return matrix, (out_h, out_w)

    def forward(self, imgs: torch.Tensor,
                valid: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """
        Args:
            imgs (Tensor): (B, 3, H, W) normalised view-1 frames.
            valid (Tensor): (B, 1, H, W) bool, where view 1 shows the frame.

        Returns:
            tuple: view-2 frames (B, 3, h, w), T (B, 3, 3) and view 2's valid mask
            (B, 1, h, w) bool.
        """
        b, _, h, w = imgs.shape
        matrix, out_size = self.sample_matrices(b, h, w, imgs.device)
        view2, _ = warp_maps(imgs, matrix, out_size)
        valid2, _ = warp_maps(valid.to(imgs.dtype), matrix, out_size)
        return view2, matrix, valid2 > 0.5
