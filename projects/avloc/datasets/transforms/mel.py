"""The mel filterbank and the dB step of avloc's mel spectrograms.

They compute what torchaudio's ``functional.melscale_fbanks`` and ``AmplitudeToDB``
compute, with the same float32 operations in the same order, so that avloc needs no
torchaudio at run time (the tests compare the two). The public SSL-TIE code takes
its front end from torchaudio: ``MelSpectrogram(n_fft=512, hop_length=239,
n_mels=257, normalized=True)`` then ``AmplitudeToDB()``.

Empty filters: with 257 mel bands over 257 FFT bins, the low bands are narrower
than one bin and some triangles fall between two bins, so their filter is all zero
and the band sits at the dB floor (-100 dB) on every frame. At 16 kHz (n_fft 512)
28 of the 257 filters are empty, at 22,050 Hz (Flickr's configs) 36. The public
code has the same empty bands: torchaudio warns "At least one mel filterbank has
all zero values" when it builds them, and the public dataloader silences every
warning (``warnings.filterwarnings("ignore")`` in ``datasets/dataloader.py``).
Keeping them keeps the spectrogram the public one; :func:`mel_filterbank` logs
them once per process instead of warning.
"""
import math
from typing import List, Optional

import torch
from mmengine.logging import print_log

#: dB floor of the power spectrogram: 10 * log10(AMIN) = -100 dB (torchaudio's).
AMIN = 1e-10
# Slaney's scale: 200/3 Hz per mel up to 1 kHz, then 27 mels per factor of 6.4. The
# constants are computed as librosa and torchaudio compute them, to round alike.
_SLANEY_HZ_PER_MEL = 200.0 / 3
_SLANEY_1KHZ_MEL = 1000.0 / _SLANEY_HZ_PER_MEL
_SLANEY_LOG_STEP = math.log(6.4) / 27.0
#: Filterbank settings whose empty filters were logged in this process.
_LOGGED = set()


def hz_to_mel(freq: float, mel_scale: str = 'htk') -> float:
    """Hz to mels on the HTK scale or Slaney's (linear below 1 kHz, log above)."""
    if mel_scale == 'htk':
        return 2595.0 * math.log10(1.0 + freq / 700.0)
    if mel_scale != 'slaney':
        raise ValueError(f"mel_scale must be 'htk' or 'slaney', got {mel_scale!r}")
    if freq < 1000.0:
        return freq / _SLANEY_HZ_PER_MEL
    return _SLANEY_1KHZ_MEL + math.log(freq / 1000.0) / _SLANEY_LOG_STEP


def mel_to_hz(mels: torch.Tensor, mel_scale: str = 'htk') -> torch.Tensor:
    """Mels (a tensor) to Hz, the inverse of :func:`hz_to_mel`."""
    if mel_scale == 'htk':
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    if mel_scale != 'slaney':
        raise ValueError(f"mel_scale must be 'htk' or 'slaney', got {mel_scale!r}")
    freqs = _SLANEY_HZ_PER_MEL * mels
    log_part = mels >= _SLANEY_1KHZ_MEL
    freqs[log_part] = 1000.0 * torch.exp(_SLANEY_LOG_STEP * (mels[log_part] - _SLANEY_1KHZ_MEL))
    return freqs


def empty_filters(filterbank: torch.Tensor) -> List[int]:
    """Indices of the all-zero filters (columns) of an (n_freqs, n_mels) filterbank."""
    return torch.nonzero(filterbank.amax(dim=0) == 0).flatten().tolist()


def mel_filterbank(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int,
                   norm: Optional[str] = None, mel_scale: str = 'htk') -> torch.Tensor:
    """Triangular mel filters, torchaudio's ``melscale_fbanks`` (librosa's layout).

    Args:
        n_freqs (int): FFT bins, ``n_fft // 2 + 1``, spread over [0, sample_rate // 2].
        f_min (float): Lowest frequency in Hz.
        f_max (float): Highest frequency in Hz.
        n_mels (int): Number of filters.
        sample_rate (int): Sample rate in Hz.
        norm (str, optional): 'slaney' divides each triangle by its width in Hz
            (equal area). Defaults to None (peak 1).
        mel_scale (str): 'htk' or 'slaney'. Defaults to 'htk'.

    Returns:
        torch.Tensor: (n_freqs, n_mels) float32; ``power.T @ fb`` maps a
        (n_freqs, T) power spectrogram to mel bands. Empty filters (see the module
        docstring) are logged once per process and settings, not warned about.
    """
    if norm not in (None, 'slaney'):
        raise ValueError(f"norm must be None or 'slaney', got {norm!r}")
    freqs = torch.linspace(0, sample_rate // 2, n_freqs)  # (n_freqs,)
    mel_points = torch.linspace(hz_to_mel(f_min, mel_scale), hz_to_mel(f_max, mel_scale),
                                n_mels + 2)
    edges = mel_to_hz(mel_points, mel_scale)  # (n_mels + 2,) lower, centre, upper
    widths = edges[1:] - edges[:-1]  # (n_mels + 1,)
    slopes = edges[None] - freqs[:, None]  # (n_freqs, n_mels + 2)
    rising = (-1.0 * slopes[:, :-2]) / widths[:-1]  # (n_freqs, n_mels)
    falling = slopes[:, 2:] / widths[1:]
    fb = torch.max(torch.zeros(1), torch.min(rising, falling))
    if norm == 'slaney':
        fb *= (2.0 / (edges[2:n_mels + 2] - edges[:n_mels]))[None]
    empty = empty_filters(fb)
    settings = (n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale)
    if empty and settings not in _LOGGED:
        _LOGGED.add(settings)
        print_log(f'mel filterbank ({n_mels} bands, {n_freqs} FFT bins, {sample_rate} Hz): '
                  f'the filters of {len(empty)} of the {n_mels} bands are all zero, so those '
                  "bands stay at -100 dB, as with torchaudio's filterbank and in the public "
                  'SSL-TIE front end (avloc.datasets.transforms.mel says why)',
                  logger='current')
    return fb


def power_to_db(power: torch.Tensor, top_db: Optional[float] = None,
                inplace: bool = False) -> torch.Tensor:
    """torchaudio's ``AmplitudeToDB(stype='power', top_db)`` of one clip.

    Args:
        power (torch.Tensor): A power spectrogram of any shape.
        top_db (float, optional): Clamp the result to ``top_db`` below its maximum
            over the whole tensor (one clip). Defaults to None.
        inplace (bool): Write the result into ``power`` (the per-clip transform,
            which has no other use for it); else ``power`` is not changed.
            Defaults to False.

    Returns:
        torch.Tensor: ``10 * log10(max(power, 1e-10))``, same shape.
    """
    db = power if inplace else power.clone()
    db.clamp_(min=AMIN).log10_().mul_(10.0)
    if top_db is not None:
        db.clamp_(min=db.amax() - top_db)
    return db
