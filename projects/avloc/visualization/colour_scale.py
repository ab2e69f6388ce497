"""The colour scale of heatmap overlays.

A heatmap holds each location's cosine similarity with the audio. The overlays
colour it on one **fixed** scale by default, so that a nearly flat map looks flat
and two frames (or two videos) compare by colour:

- values are first put in [0, 1] by :func:`to_unit_range`, ``(cosine + 1) / 2``;
- the colour map (JET) runs over :data:`FIXED_RANGE`, unit values 0.5 to 1.0, that
  is cosine 0 (blue: the location does not match the audio) to cosine 1 (red: it
  matches as well as it can); negative cosines are blue too.

``scale='frame'`` stretches each frame's own minimum and maximum over the whole
colour map instead, as the public SSL-TIE, LVS and EZ-VSL code draw their figures:
it shows the shape of any map, and makes a flat one look as confident as a sharp one.
"""
from typing import Tuple

import numpy as np

#: Unit values (``(cosine + 1) / 2``) the fixed scale spans: cosine 0 to 1.
FIXED_RANGE = (0.5, 1.0)
SCALES = ('fixed', 'frame')


def to_unit_range(heatmap: np.ndarray) -> np.ndarray:
    """Cosine similarities in [-1, 1] to [0, 1] by ``(x + 1) / 2``: a fixed map,
    not a per-frame min-max, so values (and scores built on them) compare across
    frames and videos. Values of models whose heatmaps are not cosines are clipped.

    Args:
        heatmap (np.ndarray): Any shape, cosine similarities.

    Returns:
        np.ndarray: The same shape, float32 in [0, 1].
    """
    return np.clip((np.asarray(heatmap, np.float32) + 1) / 2, 0, 1).astype(np.float32)


def colour_levels(heatmap: np.ndarray, scale: str = 'fixed',
                  value_range: Tuple[float, float] = FIXED_RANGE
                  ) -> Tuple[np.ndarray, Tuple[float, float]]:
    """Where each value falls on the colour map.

    Args:
        heatmap (np.ndarray): (H, W) unit values (:func:`to_unit_range`).
        scale (str): ``'fixed'`` (``value_range`` spans the colour map) or
            ``'frame'`` (this map's minimum and maximum do). Defaults to 'fixed'.
        value_range (tuple): ``(low, high)`` unit values of the fixed scale.
            Defaults to :data:`FIXED_RANGE`.

    Returns:
        tuple: (H, W) float32 levels in [0, 1], and the ``(low, high)`` unit values
        the colour map spans (for the colour bar's labels).

    Raises:
        ValueError: An unknown ``scale`` or an empty ``value_range``.
    """
    _check_scale(scale)
    heat = np.asarray(heatmap, np.float32)
    if scale == 'frame':
        low, high = float(heat.min()), float(heat.max())
    else:
        low, high = map(float, value_range)
        if not high > low:
            raise ValueError(f'value_range must be (low, high) with high > low, got '
                             f'{value_range}')
    levels = np.clip((heat - low) / max(high - low, 1e-12), 0, 1)
    return levels.astype(np.float32), (low, high)


def check_overlay_settings(alpha: float, scale: str) -> None:
    """Refuse overlay settings before any work is done.

    Raises:
        ValueError: ``alpha`` outside [0, 1], or ``scale`` not in :data:`SCALES`.
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f'alpha must be in [0, 1], got {alpha}')
    _check_scale(scale)


def _check_scale(scale: str) -> None:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
