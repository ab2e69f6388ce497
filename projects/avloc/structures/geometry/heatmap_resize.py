"""Resampling a heatmap onto a frame: through the test pipeline's homography
(:func:`heatmap_to_frame`, overlays and the inference API) or by a plain resize
(:func:`resize_heatmap`, the cIoU protocols and quick overlays)."""
from typing import Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .homography import scale_matrix, to_pixel_index


def resize_heatmap(heatmap: np.ndarray, size: Union[int, Tuple[int, int]],
                   align_corners: bool = False) -> np.ndarray:
    """(h, w) raw heatmap -> (H, W) bilinear resize, float32.

    ``align_corners=False`` is OpenCV's ``INTER_LINEAR`` (pixel centres aligned, the
    LVS / SSL-TIE evaluators); ``True`` is ``F.interpolate(..., align_corners=True)``
    (corner pixels aligned, the EZ-VSL evaluator).

    Args:
        heatmap (np.ndarray): (h, w) heatmap.
        size (int | tuple[int, int]): H = W = ``size``, or (H, W).
        align_corners (bool): See above. Defaults to False.

    Returns:
        np.ndarray: (H, W) float32.
    """
    out_h, out_w = (size, size) if isinstance(size, int) else size
    heatmap = np.asarray(heatmap, np.float32)
    if not align_corners:
        return cv2.resize(heatmap, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    tensor = torch.from_numpy(np.ascontiguousarray(heatmap))[None, None]
    return F.interpolate(tensor, size=(out_h, out_w), mode='bilinear',
                         align_corners=True)[0, 0].numpy()


def heatmap_to_frame(heatmap: np.ndarray, homography: np.ndarray, img_shape: tuple,
                     ori_shape: tuple, outside: float = 0.0) -> np.ndarray:
    """Resample a heatmap of the network input at every pixel of the original frame.

    The test pipeline records ``homography`` from original to input pixel
    coordinates (continuous, edge-aligned; a resize is a scale, a centre crop a
    shift), and the heatmap's grid of cells covers the input evenly, so frame pixel
    centre ``p`` reads the heatmap at ``S @ H @ p`` with ``S`` the input-to-grid
    scale, bilinearly (the cell values sit at cell centres, as ``cv2.resize``
    reads them: for a plain resize this is ``cv2.resize(heatmap, (W, H))`` up to
    OpenCV's 1/32-pixel fixed point). Near the edges the nearest cells are
    repeated; frame pixels the input never saw (cropped away) get ``outside``.

    Args:
        heatmap (np.ndarray): (h, w) float heatmap of the network input.
        homography (np.ndarray): (3, 3) original -> input pixel coordinates.
        img_shape (tuple): (H_in, W_in) of the network input.
        ori_shape (tuple): (H, W) of the original frame.
        outside (float): Value of the pixels cropped away. Defaults to 0.0.

    Returns:
        np.ndarray: (H, W) float32 heatmap values.
    """
    h, w = heatmap.shape
    (in_h, in_w), (out_h, out_w) = img_shape[:2], ori_shape[:2]
    to_grid = scale_matrix(w / in_w, h / in_h) @ np.asarray(homography, np.float64)
    # cv2 addresses pixel centres by integers, the homography edges by 0.
    out = cv2.warpPerspective(np.asarray(heatmap, np.float32), to_pixel_index(to_grid),
                              (out_w, out_h),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)
    ys, xs = np.mgrid[:out_h, :out_w] + 0.5
    src = np.stack([xs, ys, np.ones_like(xs)], -1) @ to_grid.T  # (H, W, 3) grid coords
    gx, gy = src[..., 0] / src[..., 2], src[..., 1] / src[..., 2]
    out[(gx < 0) | (gx > w) | (gy < 0) | (gy > h)] = outside
    return out
