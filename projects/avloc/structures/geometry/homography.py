"""3x3 homographies between continuous pixel coordinates of frames, views and grids.

Convention (mmdet 3.x): pixel ``i`` spans ``[i, i + 1)``, so image edges sit at 0
and at the width; a transform's matrix maps coordinates before it to coordinates
after it, and a pipeline composes them by left-multiplying (:func:`compose`). The
map from view A to view B of the same frame is ``H_B @ inv(H_A)``.

The builders return float64 numpy arrays (the pipeline's record);
:func:`grid_homography` works on batched torch matrices (the losses' warps).
"""
import functools
from typing import Tuple

import cv2
import numpy as np
import torch

from avloc.utils.precision import force_float32


def translation_matrix(tx: float, ty: float) -> np.ndarray:
    """(3, 3) shift by ``(tx, ty)``."""
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=np.float64)


def scale_matrix(sx: float, sy: float) -> np.ndarray:
    """(3, 3) scale about the origin (the top-left image edge)."""
    return np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1]], dtype=np.float64)


def crop_resize_matrix(x0: int, y0: int, crop_w: int, crop_h: int, out_w: int,
                       out_h: int) -> np.ndarray:
    """(3, 3) map of cropping the box (x0, y0, crop_w, crop_h) and resizing it to
    (out_w, out_h): OpenCV and Pillow both map the box's edges onto the output's
    edges, so this is a shift then a scale. A plain resize is the whole frame as the
    box, a plain crop a box resized to its own size."""
    sx, sy = out_w / crop_w, out_h / crop_h
    return np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy], [0, 0, 1]], dtype=np.float64)


def hflip_matrix(width: int) -> np.ndarray:
    """(3, 3) left-right mirror of an image ``width`` wide: ``x -> width - x``."""
    return np.array([[-1, 0, width], [0, 1, 0], [0, 0, 1]], dtype=np.float64)


def rotation_matrix(width: int, height: int, angle: float) -> np.ndarray:
    """(3, 3) rotation by ``angle`` degrees (counter-clockwise positive, as OpenCV)
    about the continuous centre ``(width / 2, height / 2)``."""
    matrix = np.eye(3)
    matrix[:2] = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return matrix


def compose(*matrices: np.ndarray) -> np.ndarray:
    """The map that applies ``matrices`` in the order given: ``compose(A, B)`` is
    ``B @ A``."""
    return functools.reduce(lambda done, then: then @ done, matrices)


def to_pixel_index(matrix: np.ndarray) -> np.ndarray:
    """The same map in OpenCV's pixel-index coordinates, where integer coordinates
    are pixel centres (``cv2.warpAffine`` / ``cv2.warpPerspective`` read these)."""
    return translation_matrix(-0.5, -0.5) @ matrix @ translation_matrix(0.5, 0.5)


@force_float32
def grid_homography(matrix: torch.Tensor, src_img_size: Tuple[int, int],
                    src_grid_size: Tuple[int, int], dst_img_size: Tuple[int, int],
                    dst_grid_size: Tuple[int, int]) -> torch.Tensor:
    """Rescale an image-space homography to act between two coarser grids.

    Cell ``j`` of a grid of width ``gw`` over an image of width ``W`` spans image
    pixels ``[j * W / gw, (j + 1) * W / gw)``, so grid and image coordinates differ
    only by a scale in continuous coordinates.

    Args:
        matrix (Tensor): (B, 3, 3) maps source image to destination image pixels.
        src_img_size, dst_img_size: (h, w) of the images.
        src_grid_size, dst_grid_size: (h, w) of the maps on them.

    Returns:
        Tensor: (B, 3, 3) mapping source grid to destination grid coordinates, in
        float32 or float64 (never reduced precision, autocast or not).
    """
    def scale(img_size, grid_size):  # grid -> image coordinates
        return matrix.new_tensor([[img_size[1] / grid_size[1], 0, 0],
                                  [0, img_size[0] / grid_size[0], 0], [0, 0, 1]])

    return torch.linalg.inv(scale(dst_img_size, dst_grid_size)) @ matrix @ \
        scale(src_img_size, src_grid_size)
