import numpy as np
import pytest

from avloc.datasets.transforms import AudioToSpectrogram


def test_ssltie_default_shape():
    audio = np.random.default_rng(0).normal(0, 0.1, 160000).astype(np.float32)
    spec = AudioToSpectrogram()(dict(audio=audio, sample_rate=16000))['spec']
    assert spec.shape == (1, 257, 670)  # ssltie.md: 10 s at 16 kHz
    assert np.isfinite(spec).all()


def test_tone_lands_in_its_band(tone):
    spec = AudioToSpectrogram(n_fft=512, hop_length=250, n_mels=64)(
        dict(audio=tone, sample_rate=16000))['spec']
    assert spec.shape == (1, 64, 65)
    low = AudioToSpectrogram(n_fft=512, hop_length=250, n_mels=64)(
        dict(audio=np.roll(tone, 0) * 0 + 0.5 * np.sin(
            2 * np.pi * 3000 * np.arange(16000) / 16000).astype(np.float32),
            sample_rate=16000))['spec']
    assert spec[0].mean(1).argmax() < low[0].mean(1).argmax()


def test_sample_rate_mismatch():
    with pytest.raises(ValueError, match='22050 Hz'):
        AudioToSpectrogram()(dict(audio=np.zeros(100, np.float32), sample_rate=22050,
                                  audio_path='x.wav'))
