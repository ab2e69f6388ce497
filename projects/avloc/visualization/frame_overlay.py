"""Heatmap overlays at the resolution of the frame the clip was decoded from."""
from typing import Optional

import numpy as np

from avloc.structures.geometry import heatmap_to_frame
from .colour_scale import to_unit_range
from .heatmap_overlay import overlay_heatmap


def frame_overlay(frame: np.ndarray, heatmap: np.ndarray, homography: np.ndarray,
                  img_shape: tuple, boxes: Optional[np.ndarray] = None,
                  alpha: float = 0.5, scale: str = 'fixed',
                  with_colour_bar: bool = True) -> np.ndarray:
    """Map a heatmap of the network input back onto its original frame and overlay it.

    The heatmap's cosines are put in [0, 1] (:func:`to_unit_range`), then resampled
    at every frame pixel through the view's homography
    (:func:`~avloc.structures.geometry.heatmap_to_frame`); pixels the test pipeline
    cropped away read 0, the coldest colour. Boxes, normalised to the frame, are
    drawn at the frame's own resolution, so they sit where the annotation put them
    whatever the network's input size was.

    Args:
        frame (np.ndarray): (H, W, 3) uint8 RGB decoded frame.
        heatmap (np.ndarray): (h, w) raw heatmap of the network input.
        homography (np.ndarray): (3, 3) frame -> network input pixel coordinates.
        img_shape (tuple): (H_in, W_in) of the network input.
        boxes (np.ndarray, optional): (N, 4) ground-truth boxes normalised to the
            frame. Defaults to None.
        alpha (float): Heatmap weight. Defaults to 0.5.
        scale (str): ``'fixed'`` colours (:mod:`~avloc.visualization.colour_scale`)
            or ``'frame'`` (stretched per map). Defaults to 'fixed'.
        with_colour_bar (bool): Append the colour bar. Defaults to True.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB, or (H, W + bar width, 3) with the bar.
    """
    heat = to_unit_range(heatmap)
    heat = heatmap_to_frame(heat, homography, img_shape, frame.shape[:2])  # (H, W)
    return overlay_heatmap(np.ascontiguousarray(frame), heat, boxes, alpha, scale,
                           with_colour_bar=with_colour_bar)
