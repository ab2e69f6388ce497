"""Appearance transforms on the RGB frame; they leave the geometry untouched.

The public SSL-TIE code's "moco_v2" recipe (ssltie.md): ColorJitter(0.4, 0.4, 0.4,
0.1) with p = 0.8, RandomGrayscale p = 0.2, GaussianBlur sigma in [0.1, 2.0] with
p = 0.5: here :class:`RandomColorJitter`, :class:`RandomGrayscaleRGB` and
:class:`RandomGaussianBlur`, each with its probability built in (mmpretrain's
``ColorJitter`` always jitters, mmcv's ``RandomGrayscale`` averages the channels
into one). The transforms here compute what torchvision's v2 kernels compute on a
uint8 tensor, from the same random draws (``np.random.rand`` for the probability,
then torch's global generator for the parameters, in torchvision's order), but on
the (H, W, 3) uint8 array itself and at a fraction of the cost: LUTs for
brightness and contrast, torchvision's own float arithmetic for the grey image, a
re-derivation of its HSV hue shift that keeps every float32 rounding, and OpenCV's
separable filter for the blur. All outputs equal torchvision's bit for bit except
the blur's, which can differ by one grey level (see :func:`gaussian_blur`).

Per call at 224 x 224 on one thread (torchvision -> here, medians, shared 2-core
machine): hue 3 -> 0.6 ms, saturation 0.4 -> 0.24, contrast 0.3 -> 0.15,
brightness 0.14 -> 0.06, grey 0.3 -> 0.1, blur 11-15 -> 0.1-0.3 ms.
"""
import functools
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from torchvision.transforms import v2

from avloc.registry import TRANSFORMS
from .frame_transform import FrameTransform

# torchvision's grey (``_rgb_to_grayscale_image``): 0.2989 R + 0.587 G + 0.114 B.
_GREY_WEIGHTS = (0.2989, 0.587, 0.114)
_F32 = np.float32
_TO_UNIT = _F32(1.0 / 255)  # torchvision's uint8 -> float scale ...
_TO_UINT8 = _F32(255 + 1.0 - 1e-3)  # ... and back (truncating); see to_dtype_image
_ONE = _F32(1.0)
_TINY = _F32(1e-30)
# The output channel of each HSV sector i (torchvision's ``_hsv_to_rgb`` table
# [[v, q, p, p, t, v], [t, v, v, q, p, p], [p, p, t, v, v, q]]), q and t merged into
# "mid" (q in odd sectors, t in even ones). Sector 6 (h * 6 rounded up to 6) is 0.
_V_SECTORS = ((0, 5, 6), (1, 2), (3, 4))
_P_SECTORS = ((2, 3), (4, 5), (0, 1, 6))


def _check_frame(img: np.ndarray, name: str) -> None:
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise TypeError(f'{name} needs an (H, W, 3) uint8 RGB frame, got {img.dtype} '
                        f'{img.shape}: put it before float transforms')


def _uniform(low: float, high: float) -> float:
    """One draw from torch's global generator, as torchvision's v2 transforms draw."""
    return torch.empty(1).uniform_(low, high).item()


def _apply_lut(img: np.ndarray, lut: torch.Tensor) -> np.ndarray:
    return cv2.LUT(img, lut.numpy())


def grey(img: np.ndarray) -> torch.Tensor:
    """torchvision's float grey of an (H, W, 3) uint8 frame, (H, W) float32.

    The same torch calls as ``_rgb_to_grayscale_image`` (mul, then add with alpha),
    so the same float32 roundings, fused multiply-add included; on contiguous
    planes, which halves the cost.
    """
    return _grey_of_planes(cv2.split(img))


def _grey_of_planes(planes: Sequence[np.ndarray]) -> torch.Tensor:
    r, g, b = (torch.from_numpy(plane) for plane in planes)
    return r.mul(_GREY_WEIGHTS[0]).add_(g, alpha=_GREY_WEIGHTS[1]).add_(b, alpha=_GREY_WEIGHTS[2])


def rgb_to_grey(img: np.ndarray) -> np.ndarray:
    """``v2.Grayscale(num_output_channels=3)`` on (H, W, 3) uint8: the grey in all
    three channels, truncated as torchvision's ``.to(torch.uint8)`` truncates."""
    g = grey(img).to(torch.uint8).numpy()
    return cv2.merge([g, g, g])


def adjust_brightness(img: np.ndarray, factor: float) -> np.ndarray:
    """``v2.functional.adjust_brightness`` on (H, W, 3) uint8, as one 256-entry LUT
    built with torchvision's own arithmetic (``x * factor``, clamp, truncate)."""
    lut = torch.arange(256, dtype=torch.uint8).mul(factor).clamp_(0, 255)
    return _apply_lut(img, lut.to(torch.uint8))


def adjust_contrast(img: np.ndarray, factor: float) -> np.ndarray:
    """``v2.functional.adjust_contrast`` on (H, W, 3) uint8: blend with the mean of
    the floored grey, as a LUT built with torchvision's arithmetic."""
    mean = grey(img).floor_().mean()  # a 0-dim tensor, as torchvision's (1, 1, 1)
    lut = torch.arange(256, dtype=torch.uint8).mul(factor).add_(mean, alpha=1.0 - factor)
    return _apply_lut(img, lut.clamp_(0, 255).to(torch.uint8))


def adjust_saturation(img: np.ndarray, factor: float) -> np.ndarray:
    """``v2.functional.adjust_saturation`` on (H, W, 3) uint8: blend every pixel
    with its floored grey, with the very torch calls torchvision makes.

    On (3, H, W) planes, where torch runs its vector loop; torchvision on the
    channels-last view runs the scalar one. The two round alike (the tests pass
    under ``ATEN_CPU_CAPABILITY`` avx512, avx2 and default).
    """
    planes = cv2.split(img)
    floor_grey = _grey_of_planes(planes).floor_()  # (H, W), broadcast over channels
    chw = torch.from_numpy(np.stack(planes))
    out = chw.mul(factor).add_(floor_grey, alpha=1.0 - factor).clamp_(0, 255)
    return cv2.merge(list(out.to(torch.uint8).numpy()))


def adjust_hue(img: np.ndarray, hue: float) -> np.ndarray:
    """``v2.functional.adjust_hue`` on (H, W, 3) uint8, equal to it bit for bit.

    torchvision goes uint8 -> float32 HSV -> shifted hue -> RGB -> uint8 with many
    full-size temporaries and a gather (3 ms at 224 px). This makes the same float32
    operations in the same order on the values that matter, in place, and routes
    in uint8: in every sector one output channel is v (the input's max), one is
    p = v (1 - s) and one is q or t. Every rewrite is exact, not approximate:
    selecting instead of multiplying by 0/1 masks and summing, ``h - 1`` for
    ``fmod(h, 1)`` on [5/6, 11/6) (Sterbenz), ``max(x, tiny)`` for
    ``where(x == 0, 1, x)`` in divisions whose numerator is then 0.
    """
    if not -0.5 <= hue <= 0.5:  # torchvision's check; the remainder below needs it
        raise ValueError(f'hue ({hue}) is not in [-0.5, 0.5]')
    r8, g8, b8 = cv2.split(img)
    max8 = cv2.max(cv2.max(r8, g8), b8)
    min8 = cv2.min(cv2.min(r8, g8), b8)
    # torchvision's x.to(float32) * (1 / 255), then s and the chroma (maxc - minc).
    v = np.multiply(max8, _TO_UNIT, dtype=_F32)
    chroma = np.multiply(min8, _TO_UNIT, dtype=_F32)
    np.subtract(v, chroma, out=chroma)
    s = np.maximum(v, _TINY)
    np.divide(chroma, s, out=s)
    np.maximum(chroma, _TINY, out=chroma)
    # Hue, torchvision's three cases with xc = (v - x) / chroma: max in r gives
    # bc - gc, in g (rc + 2) - bc, else (gc + 4) - rc. Pick the channels per pixel.
    in_r = max8 == r8
    in_g = ~in_r & (max8 == g8)
    in_b = ~(in_r | in_g)
    first = b8 * in_r | r8 * in_g | g8 * in_b
    second = g8 * in_r | b8 * in_g | r8 * in_b
    h = np.multiply(first, _TO_UNIT, dtype=_F32)
    np.subtract(v, h, out=h)
    h /= chroma
    h += (in_g * np.uint8(2)) | (in_b * np.uint8(4))
    tmp = np.multiply(second, _TO_UNIT, dtype=_F32)
    np.subtract(v, tmp, out=tmp)
    tmp /= chroma
    h -= tmp
    h *= _F32(1.0 / 6.0)
    h += _ONE
    h -= h >= _ONE  # fmod(h, 1)
    h += _F32(hue)
    h += h < 0  # remainder(h, 1) on [-1/2, 3/2)
    h -= h >= _ONE
    # Back to RGB as torchvision's _hsv_to_rgb; its clamps kept although no-ops.
    h *= _F32(6)
    sector_f = np.floor(h, out=tmp)
    sector = sector_f.astype(np.uint8)
    f = np.subtract(h, sector_f, out=h)
    sxf = np.multiply(s, f, out=h)
    one_minus_s = np.subtract(_ONE, s, out=s)

    def to_uint8(x: np.ndarray) -> np.ndarray:  # clamp to [0, 1], then truncate
        np.clip(x, 0, 1, out=x)
        return np.multiply(x, _TO_UINT8, out=x).astype(np.uint8)

    q8 = to_uint8(np.multiply(np.subtract(_ONE, sxf, out=tmp), v, out=tmp))
    t8 = to_uint8(np.multiply(np.add(sxf, one_minus_s, out=h), v, out=h))
    p8 = to_uint8(np.multiply(one_minus_s, v, out=s))
    v8 = np.multiply(v, _TO_UINT8, out=v).astype(np.uint8)
    odd = (sector & 1).astype(bool)
    mid8 = q8 * odd | t8 * ~odd
    # Channel c: v in its v-sectors, p in its p-sectors, mid elsewhere.
    in_sector = [sector == i for i in range(7)]
    channels = []
    for v_sectors, p_sectors in zip(_V_SECTORS, _P_SECTORS):
        is_v = functools.reduce(np.logical_or, [in_sector[i] for i in v_sectors])
        is_p = functools.reduce(np.logical_or, [in_sector[i] for i in p_sectors])
        channels.append(v8 * is_v | p8 * is_p | mid8 * ~(is_v | is_p))
    return cv2.merge(channels)


def gaussian_kernel1d(kernel_size: int, sigma: float) -> np.ndarray:
    """torchvision's 1-D Gaussian (``softmax(-(x / sigma) ** 2)`` on its grid), float32."""
    lim = (kernel_size - 1) / (2.0 * 2.0 ** 0.5)
    x = torch.linspace(-lim, lim, steps=kernel_size, dtype=torch.float32)
    return torch.softmax(x.div(sigma).pow(2).neg(), dim=0).numpy()


def gaussian_blur(img: np.ndarray, kernel_size: Tuple[int, int], sigma: float) -> np.ndarray:
    """``v2.functional.gaussian_blur`` on (H, W, 3) uint8, up to one grey level.

    torchvision convolves in float32 with the full 2-D kernel (23 x 23 = 529 taps,
    10-15 ms at 224 px), reflect-padded, then rounds half to even. This applies
    torchvision's own 1-D kernels separably with OpenCV, which filters 8-bit input
    in float32 and rounds half to even too (``BORDER_REFLECT_101`` is torch's
    "reflect"). The sums differ in the last float32 bits, which moves a value by one
    level when it lies within ~1e-5 of a .5 boundary: about 5 values in 100,000 on
    random and smooth frames, never more than one level (test_photometric.py).
    Taps below 1e-9 of the centre weight are dropped (small sigmas); they move a sum
    by less than its float32 rounding.

    Args:
        img (np.ndarray): (H, W, 3) uint8.
        kernel_size (tuple[int, int]): Odd (width, height) of the kernel.
        sigma (float): Standard deviation, in both directions.

    Returns:
        np.ndarray: (H, W, 3) uint8.
    """
    kernels = []
    for size in kernel_size:
        kernel = gaussian_kernel1d(size, sigma)
        centre = size // 2
        radius = centre - np.flatnonzero(kernel >= kernel[centre] * 1e-9)[0]
        kernels.append(kernel[centre - radius:centre + radius + 1])
    return cv2.sepFilter2D(img, -1, kernels[0], kernels[1], borderType=cv2.BORDER_REFLECT_101)


@TRANSFORMS.register_module()
class RandomColorJitter(FrameTransform):
    """Random brightness, contrast, saturation and hue (MoCo v2: 0.4, 0.4, 0.4, 0.1, p=0.8).

    torchvision's ``v2.ColorJitter`` on the uint8 frame, bit for bit: the factors'
    ranges and checks are torchvision's; with probability ``prob``, one
    ``torch.randperm(4)`` picks the order and one ``uniform_`` per enabled factor
    draws it, as ``v2.ColorJitter.make_params`` does. The probability is built in:
    mmpretrain's ``ColorJitter`` jitters every frame (it goes inside
    ``RandomApply``).

    Args:
        brightness (float | tuple[float, float]): Defaults to 0.4.
        contrast (float | tuple[float, float]): Defaults to 0.4.
        saturation (float | tuple[float, float]): Defaults to 0.4.
        hue (float | tuple[float, float]): Defaults to 0.1.
        prob (float): Probability of jittering a frame. Defaults to 0.8.
    """

    def __init__(self, brightness: float = 0.4, contrast: float = 0.4,
                 saturation: float = 0.4, hue: float = 0.1, prob: float = 0.8) -> None:
        ranges = v2.ColorJitter(brightness, contrast, saturation, hue)
        # (low, high) or None (the factor is off and draws nothing), as torchvision.
        self.ranges: Tuple[Optional[Tuple[float, float]], ...] = (
            ranges.brightness, ranges.contrast, ranges.saturation, ranges.hue)
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        img = np.ascontiguousarray(results['img'])
        _check_frame(img, 'RandomColorJitter')
        order = torch.randperm(4).tolist()
        factors = [None if r is None else _uniform(*r) for r in self.ranges]
        ops = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
        for i in order:
            if factors[i] is not None:
                img = ops[i](img, factors[i])
        results['img'] = np.ascontiguousarray(img)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(ranges={self.ranges}, prob={self.prob})'


@TRANSFORMS.register_module()
class RandomGrayscaleRGB(FrameTransform):
    """Grey frame, kept three-channel, with probability ``prob`` (MoCo v2: 0.2).

    torchvision's ``v2.Grayscale(num_output_channels=3)`` on an RGB frame, bit for
    bit (0.2989 R + 0.587 G + 0.114 B in all three channels). mmcv's
    ``RandomGrayscale`` defaults to one channel, equal weights and BGR.
    """

    def __init__(self, prob: float = 0.2) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        img = np.ascontiguousarray(results['img'])
        _check_frame(img, 'RandomGrayscaleRGB')
        results['img'] = rgb_to_grey(img)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class RandomGaussianBlur(FrameTransform):
    """Gaussian blur with sigma drawn from ``sigma`` (MoCo v2: (0.1, 2.0), p=0.5).

    torchvision's ``v2.GaussianBlur`` (its checks, its one ``uniform_`` draw of
    sigma from torch's generator, its kernel), up to one grey level at a few pixels
    in 100,000: see :func:`gaussian_blur`.

    Args:
        sigma (Sequence[float]): Range of the standard deviation. Defaults to
            (0.1, 2.0).
        kernel_size (int): Odd kernel size. Defaults to 23.
        prob (float): Probability of blurring a frame. Defaults to 0.5.
    """

    def __init__(self, sigma: Sequence[float] = (0.1, 2.0), kernel_size: int = 23,
                 prob: float = 0.5) -> None:
        checked = v2.GaussianBlur(kernel_size, sigma=tuple(sigma))
        self.kernel_size: Tuple[int, int] = tuple(checked.kernel_size)
        self.sigma: Tuple[float, float] = tuple(checked.sigma)
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        img = np.ascontiguousarray(results['img'])
        _check_frame(img, 'RandomGaussianBlur')
        results['img'] = gaussian_blur(img, self.kernel_size, _uniform(*self.sigma))
        return results
