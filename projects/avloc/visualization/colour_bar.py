"""The colour bar drawn beside an overlay: which colour is which cosine similarity."""
from typing import Tuple

import cv2
import numpy as np

BACKGROUND = (32, 32, 32)  # RGB: dark grey, readable white labels on any video
TEXT = (255, 255, 255)


def _layout(height: int) -> Tuple[float, int, int, int]:
    """Font scale, stroke, bar width and panel width for a frame ``height`` high."""
    font = max(height / 720, 0.3)
    thick = max(1, int(round(font * 1.5)))
    (text_w, _), _ = cv2.getTextSize('-0.00', cv2.FONT_HERSHEY_SIMPLEX, font, thick)
    bar_w = max(6, int(round(16 * font)))
    width = 2 + bar_w + 4 + text_w + 4
    return font, thick, bar_w, width + width % 2  # even: H.264 in yuv420p needs it


def colour_bar_width(height: int) -> int:
    """The width of :func:`colour_bar`'s panel for a frame ``height`` pixels high."""
    return _layout(height)[3]


def colour_bar(height: int, value_range: Tuple[float, float], title: str = 'cosine'
               ) -> np.ndarray:
    """A vertical JET bar with labelled ends, to stand to the right of an overlay.

    Args:
        height (int): Pixel height of the frame it goes beside.
        value_range (tuple): ``(low, high)`` unit values (``(cosine + 1) / 2``) at
            the bar's bottom and top; labelled as cosines.
        title (str): Drawn above the bar. Defaults to 'cosine'.

    Returns:
        np.ndarray: (height, :func:`colour_bar_width`, 3) uint8 RGB.
    """
    font, thick, bar_w, width = _layout(height)
    panel = np.empty((height, width, 3), np.uint8)
    panel[:] = BACKGROUND
    (_, text_h), _ = cv2.getTextSize('0', cv2.FONT_HERSHEY_SIMPLEX, font, thick)
    top, bottom = 3 * text_h, height - 2 * text_h  # room for the title and a label
    if bottom - top >= 2:
        ramp = np.linspace(255, 0, bottom - top).astype(np.uint8)[:, None]  # top: high
        ramp = cv2.applyColorMap(np.repeat(ramp, bar_w, 1), cv2.COLORMAP_JET)[..., ::-1]
        panel[top:bottom, 2:2 + bar_w] = ramp
    low, high = (2 * v - 1 for v in value_range)  # unit values back to cosines
    for value, y in ((high, top + text_h), ((low + high) / 2, (top + bottom + text_h) // 2),
                     (low, bottom)):
        cv2.putText(panel, f'{value:.2f}', (6 + bar_w, y), cv2.FONT_HERSHEY_SIMPLEX,
                    font, TEXT, thick, cv2.LINE_AA)
    cv2.putText(panel, title, (2, 2 * text_h), cv2.FONT_HERSHEY_SIMPLEX, font * 0.9,
                TEXT, thick, cv2.LINE_AA)
    return panel
