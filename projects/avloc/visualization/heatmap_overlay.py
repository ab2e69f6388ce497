"""Heatmap overlays for inspection."""
from typing import Optional

import cv2
import numpy as np

from avloc.structures.geometry import resize_heatmap


def overlay_heatmap(img: np.ndarray, heatmap: np.ndarray, boxes: Optional[np.ndarray] = None,
                    alpha: float = 0.5) -> np.ndarray:
    """Blend a min-max scaled heatmap (JET colours) over a frame and draw boxes.

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB frame.
        heatmap (np.ndarray): (h, w) raw heatmap of that frame.
        boxes (np.ndarray, optional): (N, 4) ground-truth boxes normalised to the
            frame, drawn in green. Defaults to None.
        alpha (float): Heatmap weight. Defaults to 0.5.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    h, w = img.shape[:2]
    heat = resize_heatmap(heatmap, (h, w))  # (H, W) float32, cell centres aligned
    heat = (heat - heat.min()) / max(float(np.ptp(heat)), 1e-12)
    colour = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]
    out = cv2.addWeighted(img, 1 - alpha, colour, alpha, 0)
    for x1, y1, x2, y2 in np.asarray(boxes if boxes is not None else [], np.float64).reshape(-1, 4):
        cv2.rectangle(out, (int(x1 * w), int(y1 * h)), (int(x2 * w) - 1, int(y2 * h) - 1),
                      (0, 255, 0), max(1, w // 128))
    return out
