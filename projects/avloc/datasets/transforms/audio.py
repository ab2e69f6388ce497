"""Audio transforms: waveform to log-mel spectrogram."""
from typing import Optional

import numpy as np
import torch
import torchaudio
from mmcv.transforms import BaseTransform

from avloc.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AudioToSpectrogram(BaseTransform):
    """Waveform (``audio``) to a dB mel spectrogram (``spec``, (1, n_mels, T)).

    The defaults are SSL-TIE's front end: MelSpectrogram(n_fft=512, hop_length=239,
    n_mels=257, power=2, normalized=True) then AmplitudeToDB (10*log10, floor
    1e-10), giving 1 x 257 x 670 for 10 s at 16 kHz. No mean/std normalisation is
    applied here; the data preprocessor may standardise.

    Args:
        sample_rate (int): Expected sample rate of ``audio``. Defaults to 16000.
        n_fft (int): FFT size. Defaults to 512.
        hop_length (int): Hop in samples. Defaults to 239.
        n_mels (int): Number of mel bands. Defaults to 257.
        normalized (bool): Normalise the STFT by its window norm. Defaults to True.
        top_db (float, optional): Dynamic-range clamp of AmplitudeToDB.
            Defaults to None.
    """

    def __init__(self, sample_rate: int = 16000, n_fft: int = 512, hop_length: int = 239,
                 n_mels: int = 257, normalized: bool = True,
                 top_db: Optional[float] = None) -> None:
        self.sample_rate = sample_rate
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
            power=2.0, normalized=normalized)
        self.to_db = torchaudio.transforms.AmplitudeToDB(stype='power', top_db=top_db)

    def transform(self, results: dict) -> dict:
        if results.get('sample_rate', self.sample_rate) != self.sample_rate:
            raise ValueError(f'{results.get("video_path") or results.get("audio_path")}: '
                             f'audio at {results["sample_rate"]} Hz, the spectrogram '
                             f'expects {self.sample_rate} Hz')
        with torch.no_grad():
            wave = torch.from_numpy(np.ascontiguousarray(results['audio']))
            spec = self.to_db(self.mel(wave[None]))  # (1, n_mels, T)
        results['spec'] = spec.numpy().astype(np.float32)
        return results
