"""Frames of the embedded benchmark: coloured shapes on a textured background."""
from typing import Callable, List, Tuple

import cv2
import numpy as np

#: Visual classes; index i also names sound class i (see ``sounds.py``).
SHAPES = ('circle', 'square', 'triangle', 'star', 'cross', 'ring', 'diamond', 'hexagon')
#: Base RGB colour of each class, jittered per instance.
COLOURS = np.array([[220, 40, 40], [40, 200, 60], [50, 80, 230], [235, 215, 40],
                    [210, 50, 210], [40, 210, 215], [245, 140, 30], [240, 240, 240]])


def render_background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A muted texture: a two-colour gradient, blurred colour noise or stripes/checker.

    Returns:
        np.ndarray: (size, size, 3) float32 RGB in [0, 255].
    """
    c1, c2 = rng.uniform(40, 160, size=(2, 3))
    kind = rng.integers(3)
    if kind == 0:
        t = np.linspace(0, 1, size)
        angle = rng.uniform(0, np.pi)
        ramp = np.cos(angle) * t[None, :] + np.sin(angle) * t[:, None]
        ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-6)
        bg = c1 + (c2 - c1) * ramp[..., None]
    elif kind == 1:
        noise = rng.uniform(40, 160, size=(size // 8 + 1, size // 8 + 1, 3))
        bg = cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC)
        bg = cv2.GaussianBlur(bg, (0, 0), size / 32)
    else:
        period = int(rng.integers(6, 20))
        yy, xx = np.mgrid[:size, :size]
        pattern = ((xx // period) % 2) if rng.random() < 0.5 else (
            (xx // period + yy // period) % 2)
        bg = np.where(pattern[..., None] == 1, c1, c2)
    return bg.astype(np.float32)


def _polygon(shape: str, cx: float, cy: float, r: float) -> np.ndarray:
    """Vertices (K, 2) of a shape filling the square of half-side ``r`` at (cx, cy)."""
    if shape == 'triangle':
        angles, radii = np.deg2rad([-90, 30, 150]), [r] * 3
    elif shape == 'star':
        angles = np.deg2rad(np.arange(10) * 36 - 90)
        radii = [r if i % 2 == 0 else 0.45 * r for i in range(10)]
    elif shape == 'diamond':
        angles, radii = np.deg2rad([-90, 0, 90, 180]), [r] * 4
    else:  # hexagon
        angles, radii = np.deg2rad(np.arange(6) * 60), [r] * 6
    pts = np.stack([np.cos(angles) * radii, np.sin(angles) * radii], axis=1)
    # Stretch to fill the square box, so the box is the shape's tight bound.
    pts = (pts - pts.min(0)) / np.ptp(pts, axis=0) * 2 * r + [cx - r, cy - r]
    return np.round(pts).astype(np.int32)


def draw_shape_mask(shape: str, box: Tuple[float, float, float, float],
                    size: int) -> np.ndarray:
    """Binary (size, size) mask of ``shape`` inscribed in the square ``box`` (pixels)."""
    x1, y1, x2, y2 = box
    cx, cy, r = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2
    mask = np.zeros((size, size), np.uint8)
    if shape == 'circle':
        cv2.circle(mask, (round(cx), round(cy)), round(r), 1, -1)
    elif shape == 'ring':
        cv2.circle(mask, (round(cx), round(cy)), round(r * 0.83), 1, max(2, round(r / 3)))
    elif shape == 'square':
        cv2.rectangle(mask, (round(x1), round(y1)), (round(x2) - 1, round(y2) - 1), 1, -1)
    elif shape == 'cross':
        arm = r / 3
        cv2.rectangle(mask, (round(x1), round(cy - arm)), (round(x2) - 1, round(cy + arm)), 1, -1)
        cv2.rectangle(mask, (round(cx - arm), round(y1)), (round(cx + arm), round(y2) - 1), 1, -1)
    else:
        cv2.fillPoly(mask, [_polygon(shape, cx, cy, r)], 1)
    return mask.astype(bool)


def place_boxes(rng: np.random.Generator, num: int, size: int,
                side_range: Tuple[float, float], max_overlap: float,
                min_side: float) -> List[Tuple[float, float, float, float]]:
    """Place ``num`` square boxes whose pairwise overlap is at most ``max_overlap`` of
    the smaller box. The first box keeps a side drawn from ``side_range``; when the
    others do not fit, they are redrawn 5% smaller, then the first one too, never
    below ``min_side`` (sides are fractions of ``size``), so no object is silently
    dropped.

    Raises:
        RuntimeError: When the boxes cannot be placed even at ``min_side``.
    """
    first_side = rng.uniform(*side_range) * size
    shrink = 1.0
    while True:
        boxes = try_placing_boxes(rng, num, size, max_overlap, lambda k: max(
            first_side if k == 0 else rng.uniform(*side_range) * shrink * size,
            min_side * size))
        if len(boxes) == num:
            return boxes
        if side_range[0] * shrink > min_side:
            shrink *= 0.95
        elif first_side * 0.95 >= min_side * size:  # the others are as small as allowed
            first_side *= 0.95
        else:
            raise RuntimeError(f'cannot place {num} boxes of side >= {min_side}')


def try_placing_boxes(rng: np.random.Generator, num: int, size: int, max_overlap: float,
                      draw_side: Callable[[int], float]
                      ) -> List[Tuple[float, float, float, float]]:
    """One attempt at ``num`` square boxes: box k gets the side ``draw_side(k)``
    (pixels, drawn just before its position) and up to 50 random positions.

    Returns:
        The boxes placed, (x1, y1, x2, y2) in pixels: fewer than ``num`` when one did
        not fit (the attempt stops there).
    """
    boxes: List[Tuple[float, float, float, float]] = []
    for k in range(num):
        side = draw_side(k)
        for _ in range(50):
            x1, y1 = rng.uniform(0, size - side, size=2)
            cand = (x1, y1, x1 + side, y1 + side)
            if all(_overlap(cand, b) <= max_overlap for b in boxes):
                boxes.append(cand)
                break
        else:
            break
    return boxes


def _overlap(a, b) -> float:
    """Intersection area over the smaller box's area."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return iw * ih / smaller


def render_scene(rng: np.random.Generator, size: int, classes: List[int],
                 side_range: Tuple[float, float], max_overlap: float,
                 min_side: float, pixel_noise: float
                 ) -> Tuple[np.ndarray, List[Tuple[float, float, float, float]]]:
    """Draw one object of each class in ``classes``, in random depth order; the
    first object gets the first (unshrunk) box of :func:`place_boxes`.

    Returns:
        tuple: the (size, size, 3) uint8 RGB frame and, per object, the tight box
        ``(x1, y1, x2, y2)`` of its visible pixels normalised to [0, 1].
    """
    img = render_background(rng, size)
    boxes = place_boxes(rng, len(classes), size, side_range, max_overlap, min_side)
    draw_order = rng.permutation(len(classes))
    masks = [None] * len(classes)
    for i in draw_order:
        cls, box = classes[i], boxes[i]
        mask = draw_shape_mask(SHAPES[cls], box, size)
        colour = np.clip(COLOURS[cls] + rng.uniform(-20, 20, 3), 0, 255)
        img[mask] = colour
        masks = [m if m is None else m & ~mask for m in masks]
        masks[i] = mask
    img += rng.normal(0, pixel_noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), tight_boxes(masks)


def tight_boxes(masks: List[np.ndarray]) -> List[Tuple[float, float, float, float]]:
    """Per (size, size) bool mask, the box ``(x1, y1, x2, y2)`` around its pixels,
    normalised to [0, 1]; an empty mask (an object fully hidden) is an error."""
    boxes = []
    for mask in masks:
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            raise RuntimeError('an object is fully hidden')
        size = mask.shape[0]
        boxes.append((xs.min() / size, ys.min() / size, (xs.max() + 1) / size,
                      (ys.max() + 1) / size))
    return boxes
