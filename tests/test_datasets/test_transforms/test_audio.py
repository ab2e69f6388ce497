import numpy as np
import pytest

from avloc.datasets.transforms import AudioToSpectrogram, LogSpectrogram, SpecAugment


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


def torchaudio_reference(audio, sample_rate=16000, n_fft=512, hop_length=239, n_mels=257,
                         normalized=True, top_db=None):
    """SSL-TIE's front end as torchaudio's modules compute it."""
    import warnings

    import torch
    import torchaudio
    with warnings.catch_warnings():  # the empty bands avloc keeps too (mel.py)
        warnings.filterwarnings('ignore', 'At least one mel filterbank has all zero')
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=sample_rate, n_fft=n_fft,
                                                   hop_length=hop_length, n_mels=n_mels,
                                                   power=2.0, normalized=normalized)
    to_db = torchaudio.transforms.AmplitudeToDB(stype='power', top_db=top_db)
    return to_db(mel(torch.from_numpy(audio)[None])).numpy()


def clips(rate, seconds=10):
    """Noise; a tone with silent stretches (bins far below the loud ones); zeros."""
    rng = np.random.default_rng(rate)
    n = rate * seconds
    noise = rng.normal(0, 0.1, n).astype(np.float32)
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.float32)
    tone[n // 4:n // 2] = 0
    tone[n // 2:n // 2 + 1000] *= 1e-4
    return [noise, tone, np.zeros(n, np.float32)]


@pytest.mark.parametrize('options', [
    dict(),  # the paper's: 1 x 257 x 670
    dict(sample_rate=22050),  # Flickr mp3s: 1 x 257 x 923
    dict(n_mels=64, hop_length=250, normalized=False),
    dict(n_mels=128, top_db=80.0),
])
def test_spectrogram_equals_torchaudio(options):
    to_spec = AudioToSpectrogram(**options)
    rate = options.get('sample_rate', 16000)
    for audio in clips(rate):
        ours = to_spec(dict(audio=audio, sample_rate=rate))['spec']
        theirs = torchaudio_reference(audio, **options)
        assert ours.shape == theirs.shape and ours.dtype == np.float32
        # float32 rounding of re^2 + im^2 against |X / norm|^2 and of the
        # filterbank sums: measured up to 1.5e-5 dB (2 ulp at -100 dB).
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)
    silent = to_spec(dict(audio=np.zeros(rate, np.float32), sample_rate=rate))['spec']
    np.testing.assert_array_equal(silent, torchaudio_reference(np.zeros(rate, np.float32),
                                                               **options))


def test_spectrogram_repr_names_its_settings():
    assert repr(AudioToSpectrogram(sample_rate=22050, top_db=80.0)) == (
        'AudioToSpectrogram(sample_rate=22050, n_fft=512, hop_length=239, n_mels=257, '
        'normalized=True, top_db=80.0)')


def test_spectrogram_of_a_clip_shorter_than_the_pad():
    with pytest.raises(RuntimeError, match='[Pp]adding'):
        AudioToSpectrogram()(dict(audio=np.zeros(200, np.float32), sample_rate=16000))


def test_sample_rate_mismatch():
    with pytest.raises(ValueError, match='22050 Hz'):
        AudioToSpectrogram()(dict(audio=np.zeros(100, np.float32), sample_rate=22050,
                                  audio_path='x.wav'))


def _masked_spans(spec, value):
    """Columns (time) and rows (frequency) entirely equal to ``value``."""
    hit = spec[0] == value
    return np.flatnonzero(hit.all(0)), np.flatnonzero(hit.all(1))


def test_spec_augment_equals_masking_power_before_db():
    import torch
    np.random.seed(3)
    audio = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    to_spec = AudioToSpectrogram(n_fft=512, hop_length=250, n_mels=64)
    spec = to_spec(dict(audio=audio, sample_rate=16000))['spec']
    masked = SpecAugment(time_mask=20, freq_mask=9, prob=1.0)(dict(spec=spec))['spec']
    cols, rows = _masked_spans(masked, -100.0)
    assert 0 < len(cols) < 20 and 0 < len(rows) < 9
    assert np.all(np.diff(cols) == 1) and np.all(np.diff(rows) == 1)  # one span each
    # The reference: zero torchaudio's power spectrogram in the same spans, then dB.
    import torchaudio
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512,
                                               hop_length=250, n_mels=64, normalized=True)
    power = mel(torch.from_numpy(audio)[None])
    power[:, :, cols] = 0
    power[:, rows, :] = 0
    to_db = torchaudio.transforms.AmplitudeToDB(stype='power')
    np.testing.assert_allclose(masked, to_db(power).numpy(), atol=1e-4)


def test_spec_augment_probability():
    spec = np.zeros((1, 16, 40), np.float32)
    np.random.seed(0)
    untouched = sum(
        np.array_equal(SpecAugment(time_mask=10, freq_mask=4, prob=0.8)(
            dict(spec=spec))['spec'], spec) for _ in range(400))
    # Unmasked: the 20% skipped, plus masked clips whose both widths came out 0.
    assert 0.15 < untouched / 400 < 0.35


def test_log_spectrogram_matches_lvs_front_end():
    from scipy import signal
    rng = np.random.default_rng(1)
    audio = rng.normal(0, 0.8, 16000).astype(np.float32)  # peaks beyond [-1, 1]
    spec = LogSpectrogram()(dict(audio=audio, sample_rate=16000))['spec']
    _, _, power = signal.spectrogram(np.clip(audio, -1, 1), 16000, nperseg=512,
                                     noverlap=274)
    assert spec.shape == (1, 257, 66)
    np.testing.assert_allclose(spec[0], np.log(power + 1e-7) / 12, rtol=1e-5)


def test_log_spectrogram_tone_bin():
    tone = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)
    spec = LogSpectrogram()(dict(audio=tone, sample_rate=16000))['spec']
    assert spec[0].mean(1).argmax() == 32  # 1000 Hz / (16000 Hz / 512)
