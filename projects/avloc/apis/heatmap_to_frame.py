"""Mapping a heatmap on the network input back onto the frame it was computed from."""
import cv2
import numpy as np


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
    to_grid = np.diag([w / in_w, h / in_h, 1.0]) @ np.asarray(homography, np.float64)
    # cv2 addresses pixel centres by integers, the homography edges by 0.
    half = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    matrix = np.linalg.inv(half) @ to_grid @ half
    out = cv2.warpPerspective(np.asarray(heatmap, np.float32), matrix, (out_w, out_h),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)
    ys, xs = np.mgrid[:out_h, :out_w] + 0.5
    src = np.stack([xs, ys, np.ones_like(xs)], -1) @ to_grid.T  # (H, W, 3) grid coords
    gx, gy = src[..., 0] / src[..., 2], src[..., 1] / src[..., 2]
    out[(gx < 0) | (gx > w) | (gy < 0) | (gy > h)] = outside
    return out
