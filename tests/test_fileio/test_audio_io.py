import wave

import numpy as np
import pytest

from avloc.fileio import (MediaError, audio_sample_rate, decode_window, read_pcm_wav, read_window,
                          to_mono, write_video, write_wav)

GAIN = np.float32(np.sqrt(0.5))  # libswresample's stereo-to-mono gain


def noise(samples, seed=0):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, samples).astype(np.float32)


def test_write_wav_is_16_bit_mono_pcm_read_back_exactly(tmp_path):
    path = str(tmp_path / 'a.wav')
    audio = noise(8000)
    audio[:2] = 3.0, -3.0  # clipped to [-1, 1]
    write_wav(path, audio, 22050)
    with wave.open(path) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate(),
                f.getnframes()) == (1, 2, 22050, 8000)
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    expected = pcm.astype(np.float32) * np.float32(2.0**-15)
    np.testing.assert_array_equal(read_window(path, 22050, 0, None), expected)
    assert audio_sample_rate(path) == 22050


def test_read_window_reads_the_window_of_the_whole_track(tmp_path):
    path = str(tmp_path / 'a.wav')
    write_wav(path, noise(16000), 16000)
    whole = read_window(path, 16000, 0, None)
    assert whole.dtype == np.float32 and whole.shape == (16000, )
    np.testing.assert_array_equal(read_window(path, 16000, 1234, 500), whole[1234:1734])
    assert len(read_window(path, 16000, 15900, 500)) == 100  # fewer where it ends


def test_ffmpeg_decodes_a_pcm_wav_as_the_wav_reader_reads_it(tmp_path):
    path = str(tmp_path / 'a.wav')
    write_wav(path, noise(24000), 24000)
    for start, count in [(0, None), (7000, 3000)]:
        direct = read_pcm_wav(path, 16000, start, count)
        np.testing.assert_array_equal(decode_window(path, 16000, start, count), direct)


def test_read_pcm_wav_leaves_other_files_to_ffmpeg(tmp_path, frame, tone):
    path = str(tmp_path / 'v.mp4')
    write_video(path, np.repeat(frame[None], 4, 0), 4, tone, 16000)
    assert read_pcm_wav(path, 16000, 0, None) is None
    assert len(read_window(path, 16000, 0, 8000)) == 8000


def test_to_mono_mixes_two_channels_with_the_stereo_gain_not_their_mean():
    left, right = noise(100, 1), noise(100, 2)
    mono = to_mono([[left], [right]], 16000, 16000)
    np.testing.assert_array_equal(mono, left * GAIN + right * GAIN)
    full = np.ones(10, np.float32)
    assert to_mono([[full], [full]], 16000, 16000).max() == pytest.approx(1.414, abs=1e-3)
    # Pieces of one channel are joined first.
    np.testing.assert_array_equal(to_mono([[left[:30], left[30:]]], 16000, 16000), left)


def test_to_mono_resamples_as_a_file_at_another_rate_is_decoded(tmp_path):
    path = str(tmp_path / 'a.wav')
    write_wav(path, noise(22050), 22050)
    source = read_pcm_wav(path, 22050, 0, None)
    resampled = to_mono([[source]], 22050, 16000)
    assert resampled.dtype == np.float32 and len(resampled) == 16000
    np.testing.assert_array_equal(resampled, read_window(path, 16000, 0, None))
    assert len(to_mono([[np.zeros(0, np.float32)]], 22050, 16000)) == 0


def test_audio_sample_rate_of_a_video_without_audio_is_a_media_error(tmp_path, frame):
    path = str(tmp_path / 'v.mp4')
    write_video(path, np.repeat(frame[None], 4, 0), 4, None, 16000)
    with pytest.raises(MediaError, match='v.mp4: no decodable audio stream'):
        audio_sample_rate(path)
    with pytest.raises(MediaError, match='v.mp4: no decodable audio stream'):
        read_window(path, 16000, 0, None)
