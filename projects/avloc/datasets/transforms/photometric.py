"""Appearance transforms on the RGB frame; they leave the geometry untouched."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from torchvision.transforms import v2

from avloc.registry import TRANSFORMS


class _TorchvisionOnFrame(BaseTransform):
    """Apply a torchvision v2 transform to ``img`` (H, W, 3) uint8 with probability."""

    def __init__(self, op: v2.Transform, prob: float) -> None:
        self.op = op
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        chw = torch.from_numpy(np.ascontiguousarray(results['img'])).permute(2, 0, 1)
        results['img'] = self.op(chw).permute(1, 2, 0).contiguous().numpy()
        return results


@TRANSFORMS.register_module()
class ColorJitter(_TorchvisionOnFrame):
    """Random brightness, contrast, saturation and hue (MoCo v2: 0.4, 0.4, 0.4, 0.1, p=0.8)."""

    def __init__(self, brightness: float = 0.4, contrast: float = 0.4,
                 saturation: float = 0.4, hue: float = 0.1, prob: float = 0.8) -> None:
        super().__init__(v2.ColorJitter(brightness, contrast, saturation, hue), prob)


@TRANSFORMS.register_module()
class RandomGrayscale(_TorchvisionOnFrame):
    """Grey frame, kept three-channel, with probability ``prob`` (MoCo v2: 0.2)."""

    def __init__(self, prob: float = 0.2) -> None:
        super().__init__(v2.Grayscale(num_output_channels=3), prob)


@TRANSFORMS.register_module()
class RandomGaussianBlur(_TorchvisionOnFrame):
    """Gaussian blur with sigma drawn from ``sigma`` (MoCo v2: (0.1, 2.0), p=0.5)."""

    def __init__(self, sigma: Sequence[float] = (0.1, 2.0), kernel_size: int = 23,
                 prob: float = 0.5) -> None:
        super().__init__(v2.GaussianBlur(kernel_size, sigma=tuple(sigma)), prob)
