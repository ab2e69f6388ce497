"""The audio controls: a test frame scored again with audio that is not its own.

A model that localises the sound must predict little of the frame when nothing in
it makes the sound heard (Juanola et al., "A Critical Assessment of Visual Sound
Source Localization Models Including Negative Audio", ICASSP 2025, who call these
*negative audio*). Each control is named once here, so that the dataset that makes
its input, the data preprocessor that batches it, the model that predicts from it
and the metric that scores it agree on the names:

========== ======================= =========================== ========================
control    made by the dataset     model input                 data-sample field
========== ======================= =========================== ========================
other      another clip's audio    ``other_spec``              ``pred_heatmap_other_audio``
           (the off-screen sound,  (``other_audio``)
           a fixed pairing)
silence    an all-zero waveform    ``silence_spec``            ``pred_heatmap_silence``
           of the clip's length    (``silence_audio``)
noise      white noise, N(0, 1)    ``noise_spec``              ``pred_heatmap_noise``
           per sample, seeded by   (``noise_audio``)
           the clip's index
========== ======================= =========================== ========================

Silence and noise are made as the negative-audio evaluation makes them
(github:xavijuanola/vssl_eval, ``datasets/datasets.py``: ``np.zeros_like(audio)`` and
``np.random.normal(0, 1, len(audio))`` in place of the clip's waveform, before the
spectrogram): the noise's standard deviation is 1, louder than any clip (whose
samples lie in [-1, 1]); here it is seeded per clip so a test run repeats exactly.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AudioControl:
    """One control's names.

    Attributes:
        name (str): 'other', 'silence' or 'noise'.
        field (str): The data-sample field of its heatmap.
    """

    name: str
    field: str

    @property
    def prefix(self) -> str:
        """Prefix of its model inputs: ``<prefix>spec`` or ``<prefix>audio``."""
        return f'{self.name}_'

    @property
    def entry_key(self) -> str:
        """Key of its heatmap in a metric's per-clip entry."""
        return self.field[len('pred_'):]


AUDIO_CONTROLS = (AudioControl('other', 'pred_heatmap_other_audio'),
                  AudioControl('silence', 'pred_heatmap_silence'),
                  AudioControl('noise', 'pred_heatmap_noise'))

#: The controls made by replacing the clip's own waveform (the dataset's
#: ``negative_audio`` option); 'other' is the dataset's ``other_audio_control``.
SUBSTITUTE_AUDIO = ('silence', 'noise')


def substitute_waveform(kind: str, num_samples: int, seed: int) -> np.ndarray:
    """The waveform that replaces a clip's own for the ``kind`` control.

    Args:
        kind (str): 'silence' (zeros) or 'noise' (standard normal samples).
        num_samples (int): Length of the clip's window.
        seed (int): Seed of the noise (the clip's dataset index).

    Returns:
        np.ndarray: (num_samples,) float32.
    """
    if kind == 'silence':
        return np.zeros(num_samples, np.float32)
    if kind == 'noise':
        return np.random.default_rng(seed).standard_normal(num_samples).astype(np.float32)
    raise ValueError(f'unknown substitute audio {kind!r}; choose from {SUBSTITUTE_AUDIO}')
