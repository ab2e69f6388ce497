"""Geometric frame transforms that record what they did as a homography.

Convention (mmdet 3.x): ``results['homography_matrix']`` maps continuous pixel
coordinates of the decoded frame (pixel ``i`` spans ``[i, i + 1)``) to those of the
current image, and every transform left-multiplies its own matrix: ``H = H_t @ H``.
The map from view A to view B of the same frame is then ``H_B @ inv(H_A)``.

Two resize paths: :class:`ShortSideResize` and :class:`FixedSizeResize` (OpenCV,
rounded output size) for avloc's own benchmarks, and :class:`PillowResize`, which
reproduces the torchvision-on-PIL test transform of the public SSL-TIE and EZ-VSL
code pixel for pixel. :class:`RandomAreaCrop` resamples with either (``backend``);
with Pillow it is the public training crop, pixel for pixel.

None of these takes the name of an mmcv or mmpretrain transform: those record no
homography, and under the same name mean other things (mmcv's ``Resize(scale=224)``
makes 224 x 224, mmpretrain's ``RandomResizedCrop(scale=224)`` sets the output
size). Under ``default_scope='avloc'`` ``type='Resize'`` (or ``'mmcv.Resize'``) is
mmcv's own.

A homography cannot say which pixels of a view show the scene: a rotation after a
crop pads corners that lie inside both frames. So every transform also carries
``results['valid_mask']`` (H, W) uint8, 1 where the pixel shows the decoded frame,
through the same geometry (nearest-neighbour, zero padding).
"""
import math
from typing import Sequence, Tuple, Union

import cv2
import numpy as np
from PIL import Image

from avloc.registry import TRANSFORMS
from avloc.structures.geometry import (compose, crop_resize_matrix, hflip_matrix, rotation_matrix,
                                       to_pixel_index)
from .frame_transform import FrameTransform

INTERPOLATIONS = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
}

PIL_INTERPOLATIONS = {
    'nearest': Image.Resampling.NEAREST,
    'bilinear': Image.Resampling.BILINEAR,
    'bicubic': Image.Resampling.BICUBIC,
    'lanczos': Image.Resampling.LANCZOS,
}


def _record(results: dict, matrix: np.ndarray, img: np.ndarray,
            valid_mask: np.ndarray) -> dict:
    """Store the transformed image and valid mask and compose the matrix (onto the
    identity where no transform recorded one yet, as mmdet 3.x does)."""
    results['img'] = np.ascontiguousarray(img)
    results['valid_mask'] = np.ascontiguousarray(valid_mask)
    results['img_shape'] = img.shape[:2]
    before = results.get('homography_matrix', np.eye(3))
    results['homography_matrix'] = compose(before, matrix).astype(np.float32)
    return results


def _crop_and_resize(results: dict, x0: int, y0: int, crop_w: int, crop_h: int,
                     out_w: int, out_h: int, interpolation: str,
                     backend: str = 'cv2') -> dict:
    """Crop the box (x0, y0, crop_w, crop_h), resize it to (out_w, out_h) with
    OpenCV or Pillow, and record both. Either library maps the crop's edges onto the
    output's edges, so the same matrix describes both."""
    img = results['img'][y0:y0 + crop_h, x0:x0 + crop_w]
    valid = _valid_mask(results)[y0:y0 + crop_h, x0:x0 + crop_w]
    if (crop_w, crop_h) != (out_w, out_h):
        if backend == 'pillow':
            # Crop first, as torchvision's resized_crop does: Pillow's filter then
            # clamps at the crop's edges instead of reading the pixels beyond them.
            img = np.array(Image.fromarray(np.ascontiguousarray(img)).resize(
                (out_w, out_h), PIL_INTERPOLATIONS[interpolation]))
        else:
            img = cv2.resize(img, (out_w, out_h),
                             interpolation=INTERPOLATIONS[interpolation])
        valid = cv2.resize(valid, (out_w, out_h), interpolation=cv2.INTER_NEAREST)
    return _record(results, crop_resize_matrix(x0, y0, crop_w, crop_h, out_w, out_h), img,
                   valid)


def _valid_mask(results: dict) -> np.ndarray:
    if 'valid_mask' not in results:
        results['valid_mask'] = np.ones(results['img'].shape[:2], np.uint8)
    return results['valid_mask']


def _flip_horizontal(array: np.ndarray) -> np.ndarray:
    """Mirror left-right into a contiguous array. OpenCV's flip for the frame and
    mask types: a negative-stride copy of a 224 x 224 x 3 uint8 frame takes 0.2 ms
    in numpy, cv2.flip 0.01 ms."""
    # cv2.flip drops a channel axis of size 1 and takes no bool or 64-bit types.
    if array.dtype in (np.uint8, np.float32) and (
            array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        return cv2.flip(array, 1)
    return np.ascontiguousarray(array[:, ::-1])


def _pair(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """``size`` as (w, h)."""
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _check_interpolation(name: str, interpolation: str, backend: str = 'cv2') -> None:
    if backend not in ('cv2', 'pillow'):
        raise ValueError(f"{name} backend must be 'cv2' or 'pillow', got {backend!r}")
    choices = PIL_INTERPOLATIONS if backend == 'pillow' else INTERPOLATIONS
    if interpolation not in choices:
        raise ValueError(f'{name} interpolation with backend {backend!r} must be one '
                         f'of {sorted(choices)}, got {interpolation!r}')


def _require_rgb_uint8(name: str, img: np.ndarray) -> None:
    """Pillow resamples (H, W, 3) uint8 RGB frames, as the public code's PIL images."""
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise TypeError(f'{name} resamples with Pillow, which needs an (H, W, 3) uint8 '
                        f'RGB frame; got {img.dtype} {img.shape}: put it before float '
                        'transforms')


@TRANSFORMS.register_module()
class ShortSideResize(FrameTransform):
    """Resize the frame with OpenCV so that its short side is ``scale``.

    The long side is scaled by the same ratio and rounded (torchvision truncates:
    :class:`PillowResize` is the public SSL-TIE test transform, this is not: OpenCV's
    cubic does not antialias when it shrinks). mmcv's ``Resize(scale=224)`` is a
    different transform (a 224 x 224 output); :class:`FixedSizeResize` is that one
    here.

    Args:
        scale (int): The short side after resizing.
        interpolation (str): One of nearest, bilinear, bicubic, area.
            Defaults to 'bilinear'.
    """

    def __init__(self, scale: int, interpolation: str = 'bilinear') -> None:
        if not isinstance(scale, int):
            raise TypeError(f'ShortSideResize scale is the short side, an int; got '
                            f'{scale!r}: FixedSizeResize resizes to a (w, h)')
        _check_interpolation('ShortSideResize', interpolation)
        self.scale = scale
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        ratio = self.scale / min(h, w)
        out_w, out_h = max(1, round(w * ratio)), max(1, round(h * ratio))
        return _crop_and_resize(results, 0, 0, w, h, out_w, out_h, self.interpolation)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class FixedSizeResize(FrameTransform):
    """Resize the frame with OpenCV to exactly ``scale`` = (w, h).

    The pixels of mmcv's ``Resize(scale=(w, h))`` (``cv2.resize``, same
    interpolation), with the scaling recorded in ``homography_matrix`` and
    ``valid_mask``, which mmcv's does not record.

    Args:
        scale (tuple[int, int]): Output (w, h).
        interpolation (str): One of nearest, bilinear, bicubic, area.
            Defaults to 'bilinear'.
    """

    def __init__(self, scale: Sequence[int], interpolation: str = 'bilinear') -> None:
        if isinstance(scale, int) or len(scale) != 2:
            raise TypeError(f'FixedSizeResize scale is the output (w, h); got {scale!r}: '
                            'ShortSideResize resizes the short side to an int')
        _check_interpolation('FixedSizeResize', interpolation)
        self.scale = _pair(scale)
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        return _crop_and_resize(results, 0, 0, w, h, *self.scale, self.interpolation)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'interpolation={self.interpolation!r})')


def _short_side_size(h: int, w: int, short: int) -> Tuple[int, int]:
    """(w, h) with the short side ``short`` and the long side scaled and truncated,
    torchvision's ``Resize(int)`` rule: 333x250 to 224 gives int(298.37) = 298."""
    if w <= h:
        return short, int(short * h / w)
    return int(short * w / h), short


@TRANSFORMS.register_module()
class PillowResize(FrameTransform):
    """Resize the frame with Pillow, as torchvision's ``Resize`` does on a PIL image.

    The public SSL-TIE test transform is ``Resize(224, Image.BICUBIC)`` then
    ``CenterCrop(224)`` on the PIL image, EZ-VSL's ``Resize((224, 224),
    Image.BICUBIC)``. Pillow widens its kernel when it shrinks (antialiasing) and
    torchvision truncates the long side; OpenCV's cubic (:class:`ShortSideResize`) does
    neither, which changes pixels by up to ~0.9 in normalised units on real frames
    (ssltie.md). This transform runs the same Pillow call on ``results['img']``, an
    (H, W, 3) uint8 RGB array from a jpg or a decoded video frame alike, and records
    the scaling as a homography (Pillow maps frame edges onto output edges, so a plain
    scale is exact).

    Args:
        scale (int | tuple[int, int]): An int resizes the short side to it and the
            long side to ``int(scale * long / short)``; a (w, h) pair resizes to
            exactly that size (torchvision's pair is (h, w)).
        interpolation (str): One of nearest, bilinear, bicubic, lanczos.
            Defaults to 'bicubic' (the public code's ``Image.BICUBIC``).
    """

    def __init__(self, scale: Union[int, Sequence[int]],
                 interpolation: str = 'bicubic') -> None:
        if interpolation not in PIL_INTERPOLATIONS:
            raise ValueError(f'PillowResize interpolation must be one of '
                             f'{sorted(PIL_INTERPOLATIONS)}, got {interpolation!r}')
        self.scale = scale
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        img = results['img']
        _require_rgb_uint8('PillowResize', img)
        h, w = img.shape[:2]
        if isinstance(self.scale, int):
            out_w, out_h = _short_side_size(h, w, self.scale)
        else:
            out_w, out_h = _pair(self.scale)
        # the whole frame as the box: (out_h, out_w, 3)
        return _crop_and_resize(results, 0, 0, w, h, out_w, out_h, self.interpolation,
                                'pillow')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class ExactCenterCrop(FrameTransform):
    """Crop the centre ``size`` (int or (w, h)) of the frame, exactly that size.

    The offset is torchvision's, ``int(round((w - cw) / 2))`` (Python's round, half
    to even), so that after :class:`PillowResize` the crop is the public test
    transform's to the pixel: a 299-px side cropped to 224 starts at 38, not 37.
    A crop larger than the frame is an error; mmcv's ``CenterCrop(crop_size)``
    shrinks it to the frame or pads, and records no homography.
    """

    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        self.size = _pair(size)

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        cw, ch = self.size
        if cw > w or ch > h:
            raise ValueError(f'ExactCenterCrop {self.size} is larger than the image ({w}x{h})')
        x0, y0 = int(round((w - cw) / 2)), int(round((h - ch) / 2))
        return _crop_and_resize(results, x0, y0, cw, ch, cw, ch, 'bilinear')

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(size={self.size})'


@TRANSFORMS.register_module()
class RandomAreaCrop(FrameTransform):
    """Crop a random area and aspect ratio, then resize to ``size``.

    torchvision's ``RandomResizedCrop`` (its arguments and its sampling), with the
    crop and scaling recorded as a homography. Not mmpretrain's
    ``RandomResizedCrop``, whose ``scale`` is the output size.

    Two resamplers: OpenCV (``backend='cv2'``), fast, but its bilinear reads only
    the 2 x 2 nearest pixels, so a crop shrunk to ``size`` aliases; and Pillow
    (``backend='pillow'``), the public SSL-TIE code's ``RandomResizedCrop`` on a PIL
    image, whose bilinear widens its kernel when it shrinks (antialiasing). With
    Pillow the output is torchvision's ``resized_crop`` of the same box, to the
    pixel; either way the box is drawn the same way and recorded exactly. Pillow
    needs an (H, W, 3) uint8 RGB frame and costs more: on one core, 0.7 ms per
    299x299 frame against OpenCV's 0.12 ms (1.0 against 0.15 ms at 640x360).

    Args:
        size (int | tuple[int, int]): Output (w, h).
        scale (tuple[float, float]): Range of the crop's share of the frame area.
            Defaults to (0.08, 1.0).
        ratio (tuple[float, float]): Range of the crop's aspect ratio w/h.
            Defaults to (3/4, 4/3).
        interpolation (str): nearest, bilinear, bicubic, plus area (OpenCV) or
            lanczos (Pillow). Defaults to 'bilinear'.
        backend (str): 'cv2' or 'pillow'. Defaults to 'cv2' (SSL-TIE's paper
            configs use 'pillow').
    """

    def __init__(self, size: Union[int, Sequence[int]],
                 scale: Tuple[float, float] = (0.08, 1.0),
                 ratio: Tuple[float, float] = (3 / 4, 4 / 3),
                 interpolation: str = 'bilinear', backend: str = 'cv2') -> None:
        _check_interpolation('RandomAreaCrop', interpolation, backend)
        self.size = _pair(size)
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.backend = backend

    def _sample_box(self, h: int, w: int) -> Tuple[int, int, int, int]:
        area = h * w
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * np.random.uniform(*self.scale)
            aspect = math.exp(np.random.uniform(*log_ratio))
            cw = int(round(math.sqrt(target * aspect)))
            ch = int(round(math.sqrt(target / aspect)))
            if 0 < cw <= w and 0 < ch <= h:
                return (np.random.randint(0, w - cw + 1), np.random.randint(0, h - ch + 1),
                        cw, ch)
        # Fallback as torchvision: the largest centred crop within the ratio range.
        in_ratio = w / h
        if in_ratio < min(self.ratio):
            cw, ch = w, int(round(w / min(self.ratio)))
        elif in_ratio > max(self.ratio):
            cw, ch = int(round(h * max(self.ratio))), h
        else:
            cw, ch = w, h
        return (w - cw) // 2, (h - ch) // 2, cw, ch

    def transform(self, results: dict) -> dict:
        if self.backend == 'pillow':
            _require_rgb_uint8('RandomAreaCrop', results['img'])
        h, w = results['img'].shape[:2]
        x0, y0, cw, ch = self._sample_box(h, w)
        return _crop_and_resize(results, x0, y0, cw, ch, *self.size, self.interpolation,
                                self.backend)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, scale={self.scale}, '
                f'ratio={self.ratio}, interpolation={self.interpolation!r}, '
                f'backend={self.backend!r})')


@TRANSFORMS.register_module()
class RandomHorizontalFlip(FrameTransform):
    """Horizontal flip with probability ``prob`` (``x -> w - x``).

    Left-right only; the flip, when made, is recorded in ``homography_matrix`` and
    ``valid_mask`` (mmcv's ``RandomFlip`` takes a direction and records neither).
    """

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        w = results['img'].shape[1]
        return _record(results, hflip_matrix(w), _flip_horizontal(results['img']),
                       _flip_horizontal(_valid_mask(results)))

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class RandomRotate(FrameTransform):
    """Rotate about the frame centre by an integer angle in ``[-max_angle, max_angle]``.

    Counter-clockwise is positive (OpenCV), uncovered pixels take ``pad_val``.

    Args:
        max_angle (int): Largest rotation in degrees. Defaults to 30.
        prob (float): Probability of rotating at all. Defaults to 1.0.
        pad_val (int): Fill value of uncovered pixels. Defaults to 0.
    """

    def __init__(self, max_angle: int = 30, prob: float = 1.0, pad_val: int = 0) -> None:
        self.max_angle = max_angle
        self.prob = prob
        self.pad_val = pad_val

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        angle = float(np.random.randint(-self.max_angle, self.max_angle + 1))
        h, w = results['img'].shape[:2]
        # About the continuous centre (w/2, h/2), so the record stays exact.
        rotation = rotation_matrix(w, h, angle)
        # cv2.warpAffine indexes pixel centres at integers: shift by half a pixel.
        index_matrix = to_pixel_index(rotation)
        img = cv2.warpAffine(results['img'], index_matrix[:2], (w, h),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                             borderValue=(self.pad_val,) * 3)
        valid = cv2.warpAffine(_valid_mask(results), index_matrix[:2], (w, h),
                               flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=0)
        return _record(results, rotation, img, valid)
