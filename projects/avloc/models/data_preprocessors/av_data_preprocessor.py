"""Batching and normalisation of frames and spectrograms on the model's device."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from avloc.registry import MODELS
from avloc.structures import AUDIO_CONTROLS
from .batch_augments import build_all


@MODELS.register_module()
class AVDataPreprocessor(BaseDataPreprocessor):
    """Stack, move, augment (optionally) and normalise one batch.

    Output ``inputs``: ``imgs`` (B, V, 3, H, W) float, normalised per channel (when
    the batch has frames), ``spec`` (B, 1, F, T) float, optionally standardised, and
    and each audio control's ``<name>_spec`` (B, 1, F, T), made the same way, when the
    batch carries it: ``other_spec`` (the partner clips' audio), ``silence_spec``,
    ``noise_spec`` (see :mod:`avloc.structures.audio_controls`).

    The spectrogram and the appearance augmentations can run here, batched on the
    model's device, instead of in the dataloader workers: a pipeline that packs the
    waveform (no ``AudioToSpectrogram``) gets its spectrogram from ``spectrogram``,
    and in training ``spec_augments`` then ``frame_augments`` (per view, on the
    uint8 frames, before normalisation) apply; see
    :mod:`avloc.models.data_preprocessors.batch_augments`.

    Args:
        mean (Sequence[float]): RGB mean on the 0-255 scale. Defaults to ImageNet's.
        std (Sequence[float]): RGB std on the 0-255 scale. Defaults to ImageNet's.
        audio_mean (float, optional): Spectrogram mean in dB. Defaults to None.
        audio_std (float, optional): Spectrogram std in dB. Defaults to None.
        spectrogram (dict, optional): E.g. ``dict(type='BatchMelSpectrogram')``, for
            batches that carry ``audio`` (B, N) instead of ``spec``.
            Defaults to None.
        spec_augments (list[dict], optional): Training-time spectrogram
            augmentations, e.g. ``[dict(type='BatchSpecAugment')]``. Defaults to None.
        frame_augments (list[dict], optional): Training-time appearance
            augmentations, e.g. ``[dict(type='BatchColorJitter'), ...]``.
            Defaults to None.
    """

    def __init__(self, mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 audio_mean: Optional[float] = None,
                 audio_std: Optional[float] = None,
                 spectrogram: Optional[dict] = None,
                 spec_augments: Optional[Sequence[dict]] = None,
                 frame_augments: Optional[Sequence[dict]] = None) -> None:
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean).view(1, 1, 3, 1, 1), False)
        self.register_buffer('std', torch.tensor(std).view(1, 1, 3, 1, 1), False)
        self.audio_mean = audio_mean
        self.audio_std = audio_std
        self.spectrogram = MODELS.build(spectrogram) if spectrogram else None
        self.spec_augments = build_all(spec_augments)
        self.frame_augments = build_all(frame_augments)

    def _spec(self, inputs: dict, prefix: str = '') -> torch.Tensor:
        """(B, 1, F, T) spectrograms, from the batch's ``<prefix>spec`` or from its
        ``<prefix>audio`` waveforms."""
        if prefix + 'spec' in inputs:
            return torch.stack(list(inputs[prefix + 'spec'])).float()
        if self.spectrogram is None:
            raise ValueError('the batch carries waveforms (the pipeline has no '
                             'AudioToSpectrogram) but the data preprocessor has no '
                             "spectrogram: set data_preprocessor.spectrogram, e.g. "
                             "dict(type='BatchMelSpectrogram')")
        return self.spectrogram(torch.stack(list(inputs[prefix + 'audio'])))

    def _standardise(self, spec: torch.Tensor) -> torch.Tensor:
        if self.audio_mean is None:
            return spec
        return (spec - self.audio_mean) / self.audio_std

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        spec = self._spec(inputs)  # (B, 1, F, T)
        if training:
            for augment in self.spec_augments:
                spec = augment(spec)
        out = dict(spec=self._standardise(spec))
        for control in AUDIO_CONTROLS:  # never augmented
            if control.prefix + 'spec' in inputs or control.prefix + 'audio' in inputs:
                out[control.prefix + 'spec'] = self._standardise(
                    self._spec(inputs, control.prefix))
        if 'imgs' in inputs:  # absent from audio-only batches
            imgs = torch.stack(list(inputs['imgs']))  # (B, V, 3, H, W) uint8
            if training and len(self.frame_augments):
                views = imgs.flatten(0, 1)
                for augment in self.frame_augments:
                    views = augment(views)
                imgs = views.view_as(imgs)
            out['imgs'] = (imgs.float() - self.mean) / self.std
        return dict(inputs=out, data_samples=data.get('data_samples'))
