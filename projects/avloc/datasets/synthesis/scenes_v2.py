"""Frames of AVShapes v2: class is shape (and sound) only, on cluttered natural
textures, seen through a camera.

What changes from v1 (``scenes.py``), and why:

- **Appearance is independent of class.** Every object draws its colour (any hue),
  texture (solid, stripes, two-tone, 1/f noise) and size from one distribution
  shared by all classes, so only the outline names the class.
- **Every object is drawn alike.** All sides come from the same range and shrink
  together when placement fails; the sounding object is chosen after the scene
  is drawn (by the caller), so nothing in the frame marks it.
- **Backgrounds with natural statistics.** Colour 1/f^beta noise (the power spectrum
  of natural images) plus small clutter (strokes, blobs, irregular polygons).
- **Camera.** A random zoom, shift and small rotation of the whole frame, then
  defocus blur, a gain/offset and sensor noise. Boxes are the tight boxes of each
  object's visible pixels after the warp.
"""
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from .scenes import SHAPES, draw_shape_mask, tight_boxes, try_placing_boxes

#: Object textures, drawn uniformly for every object whatever its class.
TEXTURES = ('solid', 'stripes', 'two-tone', 'noise')


def pink_noise(rng: np.random.Generator, size: int, beta: float) -> np.ndarray:
    """Zero-mean, unit-std noise with power spectrum ~ 1/f^beta.

    Returns:
        np.ndarray: (size, size) float32.
    """
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    f = np.sqrt(fx ** 2 + fy ** 2)
    f[0, 0] = 1.0
    spectrum = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f ** (beta / 2)
    spectrum[0, 0] = 0
    field = np.fft.irfft2(spectrum, s=(size, size))
    return (field / (field.std() + 1e-8)).astype(np.float32)


def random_colour(rng: np.random.Generator) -> np.ndarray:
    """A colour of any hue, saturation 0.25-1 and value 0.45-1: RGB (3,) in [0, 255]."""
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(64, 255), rng.uniform(115, 255)]]],
                   np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def natural_background(rng: np.random.Generator, size: int, clutter: Tuple[int, int],
                       contrast: float) -> np.ndarray:
    """1/f^beta colour texture (beta 1.5-2.5) around a muted mean colour, with
    clutter items (strokes, ellipses, irregular polygons) of at most 15% of the side.

    Args:
        clutter: Smallest and largest number of clutter items.
        contrast: Scale of the 1/f texture; 0 leaves the mean colour.

    Returns:
        np.ndarray: (size, size, 3) float32 RGB, not clipped.
    """
    beta = rng.uniform(1.5, 2.5)
    luma = pink_noise(rng, size, beta)[..., None] * rng.uniform(20, 45)
    chroma = np.stack([pink_noise(rng, size, beta) for _ in range(3)], -1) * rng.uniform(5, 15)
    img = rng.uniform(60, 170, 3).astype(np.float32) + contrast * luma + contrast * chroma
    for _ in range(int(rng.integers(clutter[0], clutter[1] + 1))):
        colour = tuple(float(c) for c in rng.uniform(30, 220, 3))
        cx, cy = rng.uniform(0, size, 2)
        r = rng.uniform(0.03, 0.075) * size
        kind = rng.integers(3)
        if kind == 0:  # a stroke
            angle = rng.uniform(0, np.pi)
            d = np.array([np.cos(angle), np.sin(angle)]) * r * 2
            cv2.line(img, (round(cx - d[0]), round(cy - d[1])), (round(cx + d[0]),
                     round(cy + d[1])), colour, max(1, round(size / 64)))
        elif kind == 1:  # an elongated blob
            cv2.ellipse(img, (round(cx), round(cy)), (max(1, round(r)), max(1, round(r / 3))),
                        rng.uniform(0, 180), 0, 360, colour, -1)
        else:  # an irregular polygon
            angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(4, 8))))
            radii = rng.uniform(0.3, 1.0, len(angles)) * r
            pts = np.stack([cx + np.cos(angles) * radii, cy + np.sin(angles) * radii], 1)
            cv2.fillPoly(img, [np.round(pts).astype(np.int32)], colour)
    return img


def object_texture(rng: np.random.Generator, size: int,
                   textures: Sequence[str]) -> Tuple[np.ndarray, str, np.ndarray]:
    """The fill of one object, drawn from the same distribution for every class:
    one of ``textures`` in a random colour.

    Returns:
        tuple: (size, size, 3) float32 fill, the texture's name and its main colour.
    """
    colour = random_colour(rng)
    kind = textures[int(rng.integers(len(textures)))]
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    shade = 1 + rng.uniform(-0.25, 0.25) * (xx / size - 0.5) + rng.uniform(-0.25, 0.25) * (
        yy / size - 0.5)
    if kind == 'solid':
        fill = colour * shade[..., None]
    elif kind in ('stripes', 'two-tone'):
        other = random_colour(rng) if kind == 'two-tone' else colour * rng.uniform(0.3, 0.6)
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(0.04, 0.12) * size if kind == 'stripes' else 2 * size
        phase = (np.cos(angle) * xx + np.sin(angle) * yy) / period + rng.uniform(0, 1)
        fill = np.where((np.floor(phase) % 2 == 0)[..., None], colour, other)
        fill = fill * shade[..., None]
    else:  # 1/f noise modulating the colour
        fill = colour * np.clip(1 + 0.3 * pink_noise(rng, size, 2.0), 0.3, 1.7)[..., None]
    return fill.astype(np.float32), kind, colour


def place_boxes_alike(rng: np.random.Generator, num: int, size: int,
                      side_range: Tuple[float, float], max_overlap: float,
                      min_side: float) -> List[Tuple[float, float, float, float]]:
    """Place ``num`` square boxes, every side drawn from ``side_range``; when they do
    not fit, all are redrawn 5% smaller (never below ``min_side``), so every object's
    size follows one distribution.

    Raises:
        RuntimeError: When the boxes cannot be placed even at ``min_side``.
    """
    shrink = 1.0
    while True:
        boxes = try_placing_boxes(rng, num, size, max_overlap, lambda _: max(
            rng.uniform(*side_range) * shrink, min_side) * size)
        if len(boxes) == num:
            return boxes
        if side_range[0] * shrink <= min_side:
            raise RuntimeError(f'cannot place {num} boxes of side >= {min_side}')
        shrink *= 0.95


def camera_matrix(rng: np.random.Generator, size: int) -> np.ndarray:
    """A 2x3 affine map: zoom 1-1.15 about a random point near the centre, rotation
    within +-8 degrees."""
    centre = size / 2 + rng.uniform(-0.08, 0.08, 2) * size
    return cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])),
                                   float(rng.uniform(-8, 8)), float(rng.uniform(1.0, 1.15)))


def render_scene_v2(rng: np.random.Generator, size: int, classes: List[int],
                    side_range: Tuple[float, float], max_overlap: float,
                    min_side: float, pixel_noise: float, textures: Sequence[str],
                    clutter: Tuple[int, int], background_contrast: float, camera: bool
                    ) -> Tuple[np.ndarray, List[Tuple[float, float, float, float]], List[dict]]:
    """Draw one object per entry of ``classes`` (random depth order) on a natural
    background, then apply the camera.

    Args:
        pixel_noise: Largest std of the sensor noise (0-255 scale); each frame
            draws its own from [pixel_noise / 4, pixel_noise].
        textures, clutter, background_contrast: See :func:`object_texture` and
            :func:`natural_background`.
        camera: Apply the camera (zoom, shift, rotation, blur, gain, sensor noise).

    Returns:
        tuple: the (size, size, 3) uint8 RGB frame; per object the tight box
        ``(x1, y1, x2, y2)`` of its visible pixels normalised to [0, 1]; per object
        its appearance (``colour`` RGB, ``texture``, ``side`` as a fraction of the
        frame before the camera).

    Raises:
        RuntimeError: If an object ends up without visible pixels.
    """
    img = natural_background(rng, size, clutter, background_contrast)
    boxes = place_boxes_alike(rng, len(classes), size, side_range, max_overlap, min_side)
    masks, looks = [None] * len(classes), [None] * len(classes)
    for i in rng.permutation(len(classes)):
        mask = draw_shape_mask(SHAPES[classes[i]], boxes[i], size)
        fill, texture, colour = object_texture(rng, size, textures)
        img[mask] = fill[mask]
        masks = [m if m is None else m & ~mask for m in masks]
        masks[i] = mask
        looks[i] = dict(colour=[int(c) for c in colour], texture=texture,
                        side=float((boxes[i][2] - boxes[i][0]) / size))
    if camera:
        warp = camera_matrix(rng, size)
        img = cv2.warpAffine(img, warp, (size, size), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REFLECT)
        masks = [cv2.warpAffine(m.astype(np.uint8), warp, (size, size),
                                flags=cv2.INTER_NEAREST) > 0 for m in masks]
        sigma = rng.uniform(0.0, 1.2)
        if sigma > 0.3:
            img = cv2.GaussianBlur(img, (0, 0), sigma)
        img = img * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)
        img += rng.normal(0, rng.uniform(pixel_noise / 4, pixel_noise), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), tight_boxes(masks), looks
