"""Soundtracks of the embedded benchmark: one timbre, pitch and rhythm per class."""
from typing import Optional

import numpy as np

#: Per sound class: fundamental (Hz), harmonic pattern, amplitude-modulation rate (Hz).
SOUNDS = (
    (180.0, 'saw', 0.0),
    (290.0, 'odd', 6.0),
    (440.0, 'bell', 2.5),
    (610.0, 'fifth', 11.0),
    (830.0, 'pure', 17.0),
    (1100.0, 'saw', 4.0),
    (1500.0, 'odd', 14.0),
    (2100.0, 'fifth', 8.5),
)

_PARTIALS = {
    'pure': [(1.0, 1.0)],
    'saw': [(k, 1.0 / k) for k in range(1, 8)],
    'odd': [(k, 1.0 / k) for k in range(1, 10, 2)],
    'fifth': [(1.0, 1.0), (1.5, 0.8), (2.0, 0.4), (3.0, 0.3)],
    'bell': [(1.0, 1.0), (2.76, 0.6), (5.4, 0.4), (8.93, 0.25)],
}


def class_tone(rng: np.random.Generator, cls: int, num_samples: int,
               sample_rate: int) -> np.ndarray:
    """One instance of class ``cls``'s sound (f0 jittered +-4%), unit RMS.

    Returns:
        np.ndarray: (num_samples,) float64.
    """
    f0, pattern, am_rate = SOUNDS[cls]
    f0 *= rng.uniform(0.96, 1.04)
    t = np.arange(num_samples) / sample_rate
    wave = np.zeros(num_samples)
    for ratio, amp in _PARTIALS[pattern]:
        freq = f0 * ratio
        if freq < sample_rate / 2:
            wave += amp * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
    if pattern == 'bell':  # struck, decaying every 1/am_rate seconds
        wave *= np.exp(-((t * am_rate) % 1.0) * 4.0)
    elif am_rate > 0:
        wave *= 0.55 + 0.45 * np.sin(2 * np.pi * am_rate * t + rng.uniform(0, 2 * np.pi))
    return wave / (np.sqrt(np.mean(wave ** 2)) + 1e-12)


def _gated(rng: np.random.Generator, wave: np.ndarray, sample_rate: int,
           min_share: float) -> np.ndarray:
    """Silence all but a random segment covering at least ``min_share`` of the clip,
    with 10 ms fades."""
    n = len(wave)
    length = int(rng.uniform(min_share, 1.0) * n)
    start = int(rng.integers(0, n - length + 1))
    env = np.zeros(n)
    env[start:start + length] = 1.0
    fade = min(int(0.01 * sample_rate), length // 2)
    if fade > 0:
        env[start:start + fade] = np.linspace(0, 1, fade)
        env[start + length - fade:start + length] = np.linspace(1, 0, fade)
    return wave * env


def render_soundtrack(rng: np.random.Generator, sounding_cls: int,
                      distractor_cls: Optional[int], duration: float, sample_rate: int,
                      snr_db_range=(5.0, 20.0), distractor_db_range=(-12.0, -6.0),
                      min_share: float = 0.5) -> np.ndarray:
    """Mix the sounding object's sound, an optional quieter off-screen distractor and
    white noise.

    Returns:
        np.ndarray: (duration * sample_rate,) float32 in [-1, 1].
    """
    n = int(round(duration * sample_rate))
    mix = 0.1 * _gated(rng, class_tone(rng, sounding_cls, n, sample_rate), sample_rate,
                       min_share)
    if distractor_cls is not None:
        gain = 0.1 * 10 ** (rng.uniform(*distractor_db_range) / 20)
        mix += gain * _gated(rng, class_tone(rng, distractor_cls, n, sample_rate),
                             sample_rate, min_share)
    noise_rms = 0.1 / 10 ** (rng.uniform(*snr_db_range) / 20)
    mix += rng.normal(0, noise_rms, n)
    peak = np.abs(mix).max()
    if peak > 0.9:
        mix *= 0.9 / peak
    return mix.astype(np.float32)
