"""The spectrogram and the appearance augmentations, batched on the model's device.

The same operations as the dataset transforms :class:`AudioToSpectrogram`,
:class:`SpecAugment`, :class:`RandomColorJitter`, :class:`RandomGrayscaleRGB` and
:class:`RandomGaussianBlur`, with each clip's own random parameters, applied by
:class:`AVDataPreprocessor` to a whole batch: on a GPU they cost next to nothing and
leave the dataloader workers only decoding, cropping and flipping. The geometry (the
views' homographies) is untouched: these run after the crops.

Frames are (N, 3, H, W) uint8 and stay uint8 after each operation, rounded as
torchvision rounds on uint8 tensors; random draws use torch's generator on the
frames' device.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.transforms.v2.functional._color import (_hsv_to_rgb, _rgb_to_grayscale_image,
                                                         _rgb_to_hsv)

from avloc.datasets.transforms.mel import mel_filterbank, power_to_db
from avloc.registry import MODELS


def _per_image(values: torch.Tensor) -> torch.Tensor:
    """(N,) -> (N, 1, 1, 1), to scale (N, C, H, W) images one factor each."""
    return values.view(-1, 1, 1, 1)


def _uniform(n: int, low: float, high: float, device: torch.device) -> torch.Tensor:
    return torch.empty(n, device=device).uniform_(low, high)


def _chosen(n: int, prob: float, device: torch.device) -> torch.Tensor:
    """(N,) bool: which images an operation with probability ``prob`` applies to."""
    return torch.rand(n, device=device) < prob


def _to_uint8(image: torch.Tensor) -> torch.Tensor:
    return image.clamp_(0, 255).to(torch.uint8)


def _grey(image: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) uint8 -> (N, 1, H, W) float, floored as torchvision does."""
    return _rgb_to_grayscale_image(image, num_output_channels=1, preserve_dtype=False).floor_()


def _blend(image: torch.Tensor, other: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
    ratio = _per_image(ratio)
    return _to_uint8(image.float() * ratio + other * (1 - ratio))


@MODELS.register_module()
class BatchMelSpectrogram(nn.Module):
    """Waveforms (B, N) to dB mel spectrograms (B, 1, n_mels, T): what
    :class:`AudioToSpectrogram` computes per clip (SSL-TIE's front end), written as
    torchaudio's ``MelSpectrogram`` and ``AmplitudeToDB`` compute it, step for step,
    without torchaudio. The window and the filterbank follow from the arguments, so
    they are not saved in checkpoints.

    Args:
        sample_rate (int): Defaults to 16000.
        n_fft (int): Defaults to 512.
        hop_length (int): Defaults to 239.
        n_mels (int): Defaults to 257.
        normalized (bool): Defaults to True.
    """

    def __init__(self, sample_rate: int = 16000, n_fft: int = 512, hop_length: int = 239,
                 n_mels: int = 257, normalized: bool = True) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.normalized = normalized
        self.register_buffer('window', torch.hann_window(n_fft), persistent=False)
        self.register_buffer('filterbank', mel_filterbank(
            n_fft // 2 + 1, 0.0, float(sample_rate // 2), n_mels, sample_rate),
            persistent=False)  # (n_freqs, n_mels)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave.float(), self.n_fft, hop_length=self.hop_length,
                          window=self.window, center=True, pad_mode='reflect',
                          return_complex=True)  # (B, n_freqs, T)
        if self.normalized:
            spec = spec / self.window.pow(2.0).sum().sqrt()
        power = spec.abs().pow(2.0)
        mel = torch.matmul(power.transpose(-1, -2), self.filterbank).transpose(-1, -2)
        return power_to_db(mel)[:, None]  # (B, 1, n_mels, T)


@MODELS.register_module()
class BatchSpecAugment(nn.Module):
    """:class:`SpecAugment` per clip of a (B, 1, F, T) dB batch: with probability
    ``prob``, one time mask then one frequency mask, widths drawn from
    [0, max_width) and starts where they fit.

    Args:
        time_mask (int): Defaults to 180.
        freq_mask (int): Defaults to 35.
        prob (float): Defaults to 0.8.
        mask_value (float): Defaults to -100.0 (the dB floor).
    """

    def __init__(self, time_mask: int = 180, freq_mask: int = 35, prob: float = 0.8,
                 mask_value: float = -100.0) -> None:
        super().__init__()
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.prob = prob
        self.mask_value = mask_value

    @staticmethod
    def _spans(n: int, max_width: int, size: int, device) -> torch.Tensor:
        """(n, size) bool: one span per clip."""
        width = (torch.rand(n, device=device) * min(max_width, size)).long()
        start = (torch.rand(n, device=device) * (size - width)).long()
        positions = torch.arange(size, device=device)
        return (positions >= start[:, None]) & (positions < (start + width)[:, None])

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        b, _, f, t = spec.shape
        chosen = _chosen(b, self.prob, spec.device)[:, None, None, None]
        time = self._spans(b, self.time_mask, t, spec.device)[:, None, None, :]
        freq = self._spans(b, self.freq_mask, f, spec.device)[:, None, :, None]
        return spec.masked_fill(chosen & (time | freq), self.mask_value)


@MODELS.register_module()
class BatchColorJitter(nn.Module):
    """:class:`RandomColorJitter` per image: with probability ``prob``, brightness,
    contrast, saturation and hue factors drawn per image and applied in a random
    order per image, as torchvision's ``ColorJitter`` does for one image.

    Args:
        brightness (float): Defaults to 0.4.
        contrast (float): Defaults to 0.4.
        saturation (float): Defaults to 0.4.
        hue (float): Defaults to 0.1.
        prob (float): Defaults to 0.8.
    """

    def __init__(self, brightness: float = 0.4, contrast: float = 0.4,
                 saturation: float = 0.4, hue: float = 0.1, prob: float = 0.8) -> None:
        super().__init__()
        self.ranges = [(max(0.0, 1 - brightness), 1 + brightness),
                       (max(0.0, 1 - contrast), 1 + contrast),
                       (max(0.0, 1 - saturation), 1 + saturation), (-hue, hue)]
        self.prob = prob

    @staticmethod
    def adjust(image: torch.Tensor, op: int, factor: torch.Tensor) -> torch.Tensor:
        """Apply operation ``op`` (0 brightness, 1 contrast, 2 saturation, 3 hue)
        with one factor per image to (N, 3, H, W) uint8 images."""
        if op == 0:
            return _to_uint8(image.float() * _per_image(factor))
        if op == 1:
            mean = _grey(image).mean(dim=(-3, -2, -1), keepdim=True)
            return _blend(image, mean, factor)
        if op == 2:
            return _blend(image, _grey(image), factor)
        hsv = _rgb_to_hsv(image.float() / 255)
        hue = (hsv[:, 0] + factor.view(-1, 1, 1)).remainder(1.0)
        rgb = _hsv_to_rgb(torch.stack((hue, hsv[:, 1], hsv[:, 2]), dim=1))
        return rgb.mul_(255 + 1 - 1e-3).to(torch.uint8)  # torchvision's float->uint8

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        n, device = images.shape[0], images.device
        chosen = _chosen(n, self.prob, device)
        if not chosen.any():
            return images
        factors = [_uniform(n, low, high, device) for low, high in self.ranges]
        order = torch.rand(n, 4, device=device).argsort(dim=1)  # a permutation per image
        out = images.clone()
        for step in range(4):
            for op in range(4):
                rows = chosen & (order[:, step] == op)
                if rows.any():
                    out[rows] = self.adjust(out[rows], op, factors[op][rows])
        return out


@MODELS.register_module()
class BatchRandomGrayscale(nn.Module):
    """:class:`RandomGrayscaleRGB` per image (kept three-channel).

    Args:
        prob (float): Defaults to 0.2.
    """

    def __init__(self, prob: float = 0.2) -> None:
        super().__init__()
        self.prob = prob

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        chosen = _chosen(images.shape[0], self.prob, images.device)
        grey = _rgb_to_grayscale_image(images, num_output_channels=3, preserve_dtype=True)
        return torch.where(chosen[:, None, None, None], grey, images)


@MODELS.register_module()
class BatchGaussianBlur(nn.Module):
    """:class:`RandomGaussianBlur` per image: with probability ``prob``, a
    ``kernel_size`` Gaussian of sigma drawn from ``sigma``, reflect padding, as a
    separable (horizontal then vertical) convolution; torchvision convolves with
    the same kernel in 2-D, so the results differ by rounding only.

    Args:
        sigma (Sequence[float]): Defaults to (0.1, 2.0).
        kernel_size (int): Defaults to 23.
        prob (float): Defaults to 0.5.
    """

    def __init__(self, sigma: Sequence[float] = (0.1, 2.0), kernel_size: int = 23,
                 prob: float = 0.5) -> None:
        super().__init__()
        self.sigma: Tuple[float, float] = (float(sigma[0]), float(sigma[1]))
        self.kernel_size = kernel_size
        self.prob = prob

    def kernels(self, sigmas: torch.Tensor) -> torch.Tensor:
        """(N,) sigmas -> (N, K) normalised 1-D Gaussian kernels."""
        half = (self.kernel_size - 1) / 2
        x = torch.linspace(-half, half, self.kernel_size, device=sigmas.device)
        pdf = torch.exp(-0.5 * (x[None] / sigmas[:, None]) ** 2)
        return pdf / pdf.sum(dim=1, keepdim=True)

    def blur(self, images: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
        """Blur (N, 3, H, W) uint8 images, each with its own sigma."""
        n, c, h, w = images.shape
        weight = self.kernels(sigmas).repeat_interleave(c, dim=0)  # (N * C, K)
        x = images.float().view(1, n * c, h, w)
        pad = self.kernel_size // 2
        x = F.conv2d(F.pad(x, (pad, pad, 0, 0), mode='reflect'), weight[:, None, None, :],
                     groups=n * c)
        x = F.conv2d(F.pad(x, (0, 0, pad, pad), mode='reflect'), weight[:, None, :, None],
                     groups=n * c)
        return _to_uint8(x.view(n, c, h, w).round_())

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        n = images.shape[0]
        chosen = _chosen(n, self.prob, images.device)
        sigmas = _uniform(n, *self.sigma, images.device)
        if not chosen.any():
            return images
        out = images.clone()
        out[chosen] = self.blur(images[chosen], sigmas[chosen])
        return out


def build_all(cfgs: Optional[Sequence[dict]]) -> nn.ModuleList:
    """The modules of a list of configs (none for None)."""
    return nn.ModuleList(MODELS.build(cfg) for cfg in (cfgs or []))
