"""SSL-TIE's second view, made on the model's device from the first one, exactly as
the public code's ``utils/tf_equivariance_loss.py`` makes it (kornia 0.5).

Frames, heatmaps and matrices are warped in float32 even under autocast (see
:mod:`avloc.models.utils.precision`): only the encoders run in reduced precision."""
import math
from dataclasses import dataclass
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from avloc.utils import force_float32


def rotation_scale_matrix(angles: torch.Tensor, scale: float, height: int,
                          width: int) -> torch.Tensor:
    """The public code's rotation: kornia's ``get_rotation_matrix2d`` (OpenCV's
    ``getRotationMatrix2D``, counter-clockwise on screen for a positive angle) about
    ``(width / 2, height / 2)`` in pixel-*index* coordinates, where pixel ``i`` sits
    at ``i``: half a pixel off the image's middle, which is ``(width - 1) / 2``.

    Args:
        angles (Tensor): (B,) angles in degrees.
        scale (float): Isotropic scale.
        height, width: Size of the canvas the rotation acts on.

    Returns:
        Tensor: (B, 3, 3) homographies in pixel-index coordinates.
    """
    # kornia's deg2rad: times pi in the angles' dtype, then / 180 (torch.deg2rad
    # rounds differently, which moves a far corner by ~1e-5 pixel).
    rad = angles * torch.tensor(math.pi, dtype=angles.dtype) / 180.0
    a, b = scale * torch.cos(rad), scale * torch.sin(rad)
    cx, cy = width / 2, height / 2
    matrix = torch.zeros(len(angles), 3, 3, dtype=angles.dtype, device=angles.device)
    matrix[:, 0, 0], matrix[:, 0, 1], matrix[:, 0, 2] = a, b, (1 - a) * cx - b * cy
    matrix[:, 1, 0], matrix[:, 1, 1], matrix[:, 1, 2] = -b, a, b * cx + (1 - a) * cy
    matrix[:, 2, 2] = 1
    return matrix


def index_to_normalised(height: int, width: int, like: torch.Tensor) -> torch.Tensor:
    """(3, 3) pixel-index coordinates -> [-1, 1] with the corner pixels' centres at
    -1 and 1 (``align_corners=True``), as kornia normalises."""
    return like.new_tensor([[2 / (width - 1), 0, -1], [0, 2 / (height - 1), -1],
                            [0, 0, 1]])


@force_float32
def warp_on_canvas(maps: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """kornia's ``warp_affine`` with its defaults (bilinear, zeros outside,
    ``align_corners=True``) onto a canvas of the maps' own size, computed in the
    same order as kornia so the result matches it to float rounding.

    Args:
        maps (Tensor): (B, C, H, W).
        matrix (Tensor): (B, 3, 3) source -> destination pixel-index coordinates.

    Returns:
        Tensor: (B, C, H, W) warped maps.
    """
    h, w = maps.shape[-2:]
    norm = index_to_normalised(h, w, matrix)
    dst_from_src = norm @ (matrix @ torch.linalg.inv(norm))
    src_from_dst = torch.linalg.inv(dst_from_src)[:, :2]
    grid = F.affine_grid(src_from_dst.to(maps.dtype), list(maps.shape), align_corners=True)
    return F.grid_sample(maps, grid, mode='bilinear', padding_mode='zeros',
                         align_corners=True)


@dataclass
class EquivarianceWarp:
    """One draw of the geometric transform T, applicable to frames and heatmaps.

    Applied the public way to a (B, C, h, w) map: resize it bilinearly to the
    canvas (the view-1 frame size) if it is not that size, warp it on the canvas
    (bilinear, zeros outside), resize the canvas to ``int(h * scale) x int(w *
    scale)``, and flip it horizontally if drawn. A 14x14 heatmap at scale 0.5 thus
    becomes a 7x7 map, like view 2's heatmap.

    Attributes:
        canvas_matrix (Tensor): (B, 3, 3) rotation and scale on the canvas, in
            pixel-index coordinates (see :func:`rotation_scale_matrix`).
        canvas_size (tuple): (H, W) of view 1's frames.
        scale (float): The drawn scale.
        flip (bool): Whether the batch is flipped after the warp.
    """

    canvas_matrix: torch.Tensor
    canvas_size: Tuple[int, int]
    scale: float
    flip: bool

    def out_size(self, size: Tuple[int, int]) -> Tuple[int, int]:
        """The public code's output size of a map of ``size``: truncated, not
        rounded."""
        return int(size[0] * self.scale), int(size[1] * self.scale)

    @force_float32
    def __call__(self, maps: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) -> (B, C, int(h * scale), int(w * scale))."""
        out_size = self.out_size(tuple(maps.shape[-2:]))
        if tuple(maps.shape[-2:]) != self.canvas_size:
            maps = F.interpolate(maps, size=self.canvas_size, mode='bilinear',
                                 align_corners=False)
        warped = warp_on_canvas(maps, self.canvas_matrix)
        if out_size != self.canvas_size:
            warped = F.interpolate(warped, size=out_size, mode='bilinear',
                                   align_corners=False)
        return warped.flip(-1) if self.flip else warped

    def homography(self) -> torch.Tensor:
        """(B, 3, 3) view-1 frame pixels -> view-2 frame pixels (continuous
        coordinates): the warp, the canvas resize, then the flip."""
        (h, w), (out_h, out_w) = self.canvas_size, self.out_size(self.canvas_size)
        # index -> continuous coordinates, then the canvas resize and the flip
        shift = self.canvas_matrix.new_tensor([[1.0, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
        resize = shift.new_tensor([[out_w / w, 0, 0], [0, out_h / h, 0], [0, 0, 1]])
        flip = shift.new_tensor([[-1.0, 0, out_w], [0, 1, 0], [0, 0, 1]])
        # Autocast would round these products to float16.
        with torch.autocast(self.canvas_matrix.device.type, enabled=False):
            matrix = resize @ (shift @ self.canvas_matrix @ torch.linalg.inv(shift))
            return flip @ matrix if self.flip else matrix


@MODELS.register_module()
class RandomEquivarianceTransform(nn.Module):
    """The public SSL-TIE code's geometric transform T, on a batch of frames.

    Per sample an integer rotation in [-max_angle, max_angle] degrees about the
    public code's centre (see :func:`rotation_scale_matrix`); per batch a scale drawn
    from ``scales`` (with 0.5 the content shrinks into the centre of the canvas,
    which is then resized by the same factor, so the network sees a smaller input
    and outputs a smaller heatmap); per batch a horizontal flip with probability
    ``flip_prob``, after the warp. Bilinear sampling; outside pixels are zero, i.e.
    the mean colour once the frames are normalised.

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

    def sample(self, batch_size: int, canvas_size: Tuple[int, int],
               device: torch.device) -> EquivarianceWarp:
        """Draw T for a batch of frames of ``canvas_size`` (H, W)."""
        angles = torch.randint(-self.max_angle, self.max_angle + 1, (batch_size,),
                               device=device).float()
        scale = self.scales[int(torch.randint(len(self.scales), ()))]
        flip = bool(torch.rand(()) < self.flip_prob)
        matrix = rotation_scale_matrix(angles, scale, *canvas_size)
        return EquivarianceWarp(matrix, tuple(canvas_size), scale, flip)

    @force_float32
    def forward(self, imgs: torch.Tensor,
                valid: torch.Tensor) -> Tuple[torch.Tensor, EquivarianceWarp, torch.Tensor]:
        """
        Args:
            imgs (Tensor): (B, 3, H, W) normalised view-1 frames.
            valid (Tensor): (B, 1, H, W) bool, where view 1 shows the frame.

        Returns:
            tuple: view-2 frames (B, 3, h, w), the drawn T and view 2's valid mask
            (B, 1, h, w) bool.
        """
        warp = self.sample(imgs.shape[0], tuple(imgs.shape[-2:]), imgs.device)
        return warp(imgs), warp, warp(valid.to(imgs.dtype)) > 0.5

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(max_angle={self.max_angle}, '
                f'scales={self.scales}, flip_prob={self.flip_prob})')
