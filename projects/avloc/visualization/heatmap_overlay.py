"""Heatmap overlays for inspection, on the colour scale of :mod:`.colour_scale`."""
from typing import Optional, Tuple

import cv2
import numpy as np

from avloc.structures.geometry import resize_heatmap
from .colour_bar import colour_bar
from .colour_scale import FIXED_RANGE, check_overlay_settings, colour_levels


def overlay_heatmap(img: np.ndarray, heatmap: np.ndarray, boxes: Optional[np.ndarray] = None,
                    alpha: float = 0.5, scale: str = 'fixed',
                    value_range: Tuple[float, float] = FIXED_RANGE,
                    with_colour_bar: bool = False) -> np.ndarray:
    """Blend a heatmap (JET colours) over a frame and draw boxes.

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB frame.
        heatmap (np.ndarray): (h, w) unit values of that frame, ``(cosine + 1) / 2``
            (:func:`~avloc.visualization.to_unit_range`); resized to (H, W).
        boxes (np.ndarray, optional): (N, 4) ground-truth boxes normalised to the
            frame, drawn in green. Defaults to None.
        alpha (float): Heatmap weight in [0, 1]: 0 shows the frame alone, 1 the
            colours alone. Defaults to 0.5.
        scale (str): ``'fixed'``: ``value_range`` spans the colour map, the same
            for every frame; ``'frame'``: this map's minimum and maximum do
            (:func:`~avloc.visualization.colour_levels`). Defaults to 'fixed'.
        value_range (tuple): The fixed scale's ``(low, high)`` unit values.
            Defaults to :data:`~avloc.visualization.FIXED_RANGE` (cosine 0 to 1).
        with_colour_bar (bool): Append :func:`~avloc.visualization.colour_bar` on
            the right. Defaults to False.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB, or (H, W + bar width, 3) with the bar.

    Raises:
        ValueError: ``alpha`` outside [0, 1], or an unknown ``scale``.
    """
    check_overlay_settings(alpha, scale)
    h, w = img.shape[:2]
    heat = resize_heatmap(heatmap, (h, w))  # (H, W) float32, cell centres aligned
    levels, shown_range = colour_levels(heat, scale, value_range)
    colour = cv2.applyColorMap((levels * 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]
    out = cv2.addWeighted(img, 1 - alpha, colour, alpha, 0)
    for x1, y1, x2, y2 in np.asarray(boxes if boxes is not None else [], np.float64).reshape(-1, 4):
        cv2.rectangle(out, (int(x1 * w), int(y1 * h)), (int(x2 * w) - 1, int(y2 * h) - 1),
                      (0, 255, 0), max(1, w // 128))
    if with_colour_bar:
        out = np.concatenate([out, colour_bar(h, shown_range)], axis=1)
    return out
