"""Batching and normalisation of frames and spectrograms on the model's device."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from avloc.registry import MODELS


@MODELS.register_module()
class AVDataPreprocessor(BaseDataPreprocessor):
    """Stack, move and normalise one batch.

    Output ``inputs``: ``imgs`` (B, V, 3, H, W) float, normalised per channel (when
    the batch has frames), and ``spec`` (B, 1, F, T) float, optionally standardised.

    Args:
        mean (Sequence[float]): RGB mean on the 0-255 scale. Defaults to ImageNet's.
        std (Sequence[float]): RGB std on the 0-255 scale. Defaults to ImageNet's.
        audio_mean (float, optional): Spectrogram mean in dB. Defaults to None.
        audio_std (float, optional): Spectrogram std in dB. Defaults to None.
    """

    def __init__(self, mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 audio_mean: Optional[float] = None,
                 audio_std: Optional[float] = None) -> None:
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean).view(1, 1, 3, 1, 1), False)
        self.register_buffer('std', torch.tensor(std).view(1, 1, 3, 1, 1), False)
        self.audio_mean = audio_mean
        self.audio_std = audio_std

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        spec = torch.stack(list(inputs['spec'])).float()  # (B, 1, F, T)
        if self.audio_mean is not None:
            spec = (spec - self.audio_mean) / self.audio_std
        out = dict(spec=spec)
        if 'imgs' in inputs:  # absent from audio-only batches
            imgs = torch.stack(list(inputs['imgs'])).float()  # (B, V, 3, H, W)
            out['imgs'] = (imgs - self.mean) / self.std
        return dict(inputs=out, data_samples=data.get('data_samples'))
