import re

import numpy as np
import pytest
from hostile_media import h264_claiming, jpeg_claiming, png_claiming, riff_wav, rotate_mp4

from avloc.datasets.transforms import LoadAudio, LoadFrame, LoadGroundTruthMask, MediaError
from avloc.fileio import write_video, write_wav


@pytest.fixture
def video(tmp_path, frame, tone):
    path = str(tmp_path / 'clip.mp4')
    write_video(path, np.repeat(frame[None], 4, 0), 4, tone, 16000)
    return path


def test_load_frame_and_audio_from_video(video, frame):
    results = LoadFrame()(dict(video_path=video))
    assert results['img'].shape == (48, 64, 3) and results['img'].dtype == np.uint8
    assert np.abs(results["img"].astype(int) - frame).mean() < 3  # lossy H.264
    np.testing.assert_array_equal(results['homography_matrix'], np.eye(3))
    assert results['ori_shape'] == (48, 64)
    audio = LoadAudio(duration=1.0)(dict(video_path=video))['audio']
    assert audio.shape == (16000,)
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) - 440) <= 2  # 1 Hz bins


def test_extracted_layout(tmp_path, frame, tone):
    import cv2
    cv2.imwrite(str(tmp_path / 'f.jpg'), frame[..., ::-1])
    write_wav(str(tmp_path / 'a.wav'), tone, 16000)
    results = LoadFrame()(dict(frame_path=str(tmp_path / 'f.jpg')))
    assert np.abs(results["img"].astype(int) - frame).mean() < 3
    audio = LoadAudio(duration=2.0)(dict(audio_path=str(tmp_path / 'a.wav')))['audio']
    assert audio.shape == (32000,)  # 1 s tiled to 2 s
    np.testing.assert_allclose(audio[:16000], audio[16000:], atol=1e-6)


def test_missing_file_is_named(tmp_path):
    missing = str(tmp_path / 'nope.mp4')
    with pytest.raises(MediaError, match='nope.mp4: file not found'):
        LoadFrame()(dict(video_path=missing))
    with pytest.raises(MediaError, match='nope.mp4'):
        LoadAudio()(dict(video_path=missing))


def test_unreadable_video(tmp_path):
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'not a video at all')
    with pytest.raises(MediaError, match=r'bad.mp4: cannot decode a video stream \(.'):
        LoadFrame()(dict(video_path=str(bad)))


def test_file_without_video_stream(tmp_path, tone):
    path = str(tmp_path / 'sound.wav')
    write_wav(path, tone, 16000)
    with pytest.raises(MediaError, match=re.escape(
            'sound.wav: cannot decode a video stream (no video track with a decoder)')):
        LoadFrame()(dict(video_path=path))


def test_video_without_audio_stream(tmp_path, frame):
    path = str(tmp_path / 'mute.mp4')
    write_video(path, np.repeat(frame[None], 4, 0), 4, None, 16000)
    with pytest.raises(MediaError, match='mute.mp4: no decodable audio'):
        LoadAudio()(dict(video_path=path))


def test_silent_and_short_audio(tmp_path, frame, tone):
    silent = str(tmp_path / 'silent.wav')
    write_wav(silent, np.zeros(16000, np.float32), 16000)
    with pytest.raises(MediaError, match='silent.wav: the audio is silent'):
        LoadAudio(duration=1.0)(dict(audio_path=silent))
    short = str(tmp_path / 'short.wav')
    write_wav(short, tone[:1600], 16000)
    with pytest.raises(MediaError, match=r'short.wav: 0.10s of audio'):
        LoadAudio(duration=1.0, min_duration=0.5)(dict(audio_path=short))


def public_spectrogram(path, keep_seconds):
    """The public SSL-TIE loader's training spectrogram of a 16 kHz wav
    (``datasets/dataloader.py``): ``torchaudio.load``'s samples (int16 / 32768),
    the first ``keep_seconds``, tiled to 10 s by ``repeat`` and cut, then
    MelSpectrogram and AmplitudeToDB."""
    import warnings
    import wave

    import torch

    # avloc runs without torchaudio (.ci/install_beside.sh smoke-tests it so); the
    # reference needs it, and full CI installs it.
    torchaudio = pytest.importorskip('torchaudio', reason='the reference is torchaudio')
    with wave.open(path, 'rb') as f:
        pcm = np.frombuffer(f.readframes(f.getnframes()), '<i2')
    samples = torch.from_numpy(pcm.astype(np.float32) / 32768)[None, :16000 * keep_seconds]
    if samples.shape[1] < 16000 * 10:
        samples = samples.repeat(1, int(16000 * 10 / samples.shape[1]) + 1)
    samples = samples[..., :16000 * 10]
    with warnings.catch_warnings():  # the empty bands avloc keeps too (mel.py)
        warnings.filterwarnings('ignore', 'At least one mel filterbank has all zero')
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512,
                                                   hop_length=239, n_mels=257, normalized=True)
    return torchaudio.transforms.AmplitudeToDB()(mel(samples)).numpy()


@pytest.mark.parametrize('seconds,silent', [(0.3, False), (0.3, True), (3.0, True),
                                            (1 / 16000, False)],
                         ids=['short', 'short-silent', 'silent', 'one-sample'])
def test_silent_and_short_audio_kept_as_the_public_code_trains_on_them(
        tmp_path, seconds, silent):
    """keep_silent_and_short: a short window is tiled to 10 s and a silent one kept
    (all zeros: the dB floor, -100 everywhere), giving the public loader's
    spectrogram of the same file; a window with no samples stays an error."""
    from avloc.datasets.transforms import AudioToSpectrogram
    path = str(tmp_path / 'a.wav')
    n = int(round(seconds * 16000))
    wave = np.zeros(n) if silent else 0.5 * np.sin(np.arange(n) * 0.3) + 0.1
    write_wav(path, wave, 16000)
    load = LoadAudio(sample_rate=16000, duration=10.0, keep_duration=3.0,
                     keep_silent_and_short=True)
    assert 'keep_silent_and_short=True' in repr(load)
    spec = AudioToSpectrogram()(load(dict(audio_path=path)))['spec']
    expected = public_spectrogram(path, keep_seconds=3)
    assert spec.shape == expected.shape == (1, 257, 670)
    np.testing.assert_allclose(spec, expected, atol=1e-3)
    if silent:
        np.testing.assert_allclose(spec, -100.0, atol=1e-4)
    with pytest.raises(MediaError, match='a.wav: 0.00s of audio from 5.0s'):
        LoadAudio(offset=5.0, keep_silent_and_short=True)(dict(audio_path=path))


def test_frame_at_a_chosen_time(tmp_path, frame, tone):
    path = str(tmp_path / 'moving.mp4')
    frames = np.stack([np.full_like(frame, 40 * k) for k in range(4)])  # 4 fps, 1 s
    write_video(path, frames, 4, tone, 16000)
    img = LoadFrame(frame_time=0.5)(dict(video_path=path))['img']
    assert abs(float(img.mean()) - 80) < 4  # frame 2 of 0..3
    with pytest.raises(MediaError, match='moving.mp4: frame_time 3.0s is outside'):
        LoadFrame(frame_time=3.0)(dict(video_path=path))


def test_keep_the_first_seconds_then_tile(tmp_path):
    ramp = np.linspace(-0.5, 0.5, 16000).astype(np.float32)  # every sample distinct
    write_wav(str(tmp_path / 'a.wav'), ramp, 16000)
    audio = LoadAudio(duration=1.0, keep_duration=0.25, min_duration=0.1)(
        dict(audio_path=str(tmp_path / 'a.wav')))['audio']
    assert audio.shape == (16000,)
    np.testing.assert_allclose(audio, np.tile(ramp[:4000], 4), atol=1e-4)


def test_frame_of_a_width_decord_pads(tmp_path):
    """decord pads 48-px rows to 64 and mislabels the buffer; the frame must still be
    the encoded picture."""
    yy, xx = np.mgrid[:32, :48]
    picture = np.stack([xx * 5, yy * 7, 200 - xx * 2], axis=-1).astype(np.uint8)
    path = str(tmp_path / 'w48.mp4')
    write_video(path, np.repeat(picture[None], 4, 0), 4, None, 16000)
    img = LoadFrame().transform(dict(video_path=path))['img']
    assert img.shape == (32, 48, 3)
    assert np.abs(img.astype(int) - picture).mean() < 4


def truncated_copies(tmp_path, name, data):
    """The file cut just before its end marker and in the middle of its pixels."""
    paths = []
    for cut in (len(data) - 2, len(data) // 2):
        path = tmp_path / f'{cut}_{name}'
        path.write_bytes(data[:cut])
        paths.append(str(path))
    return paths


@pytest.mark.parametrize('load_truncated', [False, True])
def test_truncated_jpeg_is_named(tmp_path, frame, monkeypatch, load_truncated):
    """Pillow pads a truncated jpg with grey when a library or user script has set
    ``LOAD_TRUNCATED_IMAGES``; the frame must be an error either way."""
    import cv2
    from PIL import ImageFile
    monkeypatch.setattr(ImageFile, 'LOAD_TRUNCATED_IMAGES', load_truncated)
    data = cv2.imencode('.jpg', frame[..., ::-1])[1].tobytes()
    for path in truncated_copies(tmp_path, 'f.jpg', data):
        with pytest.raises(MediaError, match=re.escape(f'{path}: truncated jpg')):
            LoadFrame()(dict(frame_path=path))


def test_bytes_after_the_end_of_a_jpeg_are_harmless(tmp_path, frame):
    """Some writers pad a jpg after its end marker: the picture is whole."""
    import cv2
    from PIL import Image
    data = cv2.imencode('.jpg', frame[..., ::-1])[1].tobytes()
    (tmp_path / 'padded.jpg').write_bytes(data + b'\x00' * 16 + b'trailer')
    img = LoadFrame()(dict(frame_path=str(tmp_path / 'padded.jpg')))['img']
    (tmp_path / 'plain.jpg').write_bytes(data)
    np.testing.assert_array_equal(
        img, np.array(Image.open(tmp_path / 'plain.jpg').convert('RGB')))


@pytest.mark.parametrize('load_truncated', [False, True])
def test_truncated_png_frame_and_mask_are_named(tmp_path, frame, monkeypatch,
                                                load_truncated):
    import cv2
    from PIL import ImageFile

    from avloc.datasets.transforms import LoadGroundTruthMask
    monkeypatch.setattr(ImageFile, 'LOAD_TRUNCATED_IMAGES', load_truncated)
    data = cv2.imencode('.png', frame)[1].tobytes()
    for path in truncated_copies(tmp_path, 'f.png', data):
        with pytest.raises(MediaError, match=re.escape(f'{path}: truncated png')):
            LoadFrame()(dict(frame_path=path))
        with pytest.raises(MediaError, match=re.escape(f'{path}: truncated png')):
            LoadGroundTruthMask()(dict(gt_mask_path=path))


def test_damage_inside_jpeg_pixel_data_is_not_detected(tmp_path, frame):
    """A known limit: bytes overwritten inside the entropy-coded data, markers
    intact, decode to wrong pixels without an error, as in the public loaders
    (telling would take a second, warning-aware decode)."""
    import cv2
    from PIL import Image
    data = bytearray(cv2.imencode('.jpg', frame[..., ::-1])[1].tobytes())
    scan = data.rfind(b'\xff\xda')
    data[scan + 40:scan + 48] = b'\x00' * 8
    (tmp_path / 'damaged.jpg').write_bytes(bytes(data))
    img = LoadFrame()(dict(frame_path=str(tmp_path / 'damaged.jpg')))['img']
    np.testing.assert_array_equal(
        img, np.array(Image.open(tmp_path / 'damaged.jpg').convert('RGB')))


# LoadAudio decodes only its window; these compare it with what it returned when it
# decoded the whole track with decord's AudioReader (the loader before).


def write_pcm(path, channels, rate, width=2):
    """Write ``channels`` (C, N) float in [-1, 1] as a PCM wav of ``width`` bytes."""
    import wave
    x = np.ascontiguousarray(np.clip(channels.T, -1, 1))  # (N, C), interleaved
    if width == 1:
        data = (x * 127 + 128).astype(np.uint8).tobytes()
    elif width == 3:
        low_bytes = (x * (2**23 - 1)).astype('<i4').view(np.uint8).reshape(-1, 4)
        data = low_bytes[:, :3].tobytes()
    else:
        data = (x * (2**(8 * width - 1) - 1)).astype(f'<i{width}').tobytes()
    with wave.open(path, 'wb') as out:
        out.setnchannels(len(channels))
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(data)


def write_audio(path, codec, channels, rate, sample_format='fltp'):
    """Encode ``channels`` (C, N) float with PyAV (aac, flac, libmp3lame)."""
    from fractions import Fraction

    import av
    layout = 'mono' if len(channels) == 1 else 'stereo'
    with av.open(path, 'w') as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        stream.codec_context.format = sample_format
        size = stream.codec_context.frame_size or 1024
        for start in range(0, channels.shape[1], size):
            chunk = channels[:, start:start + size].astype(np.float32)
            if sample_format != 'fltp':  # packed integers
                scale = 2**15 - 1 if sample_format == 's16' else 2**31 - 2**8
                chunk = (chunk.T.reshape(1, -1) * scale).astype(
                    np.int16 if sample_format == 's16' else np.int32)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk),
                                               format=sample_format, layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def noise(seconds, rate, channels=1, seed=0):
    """A tone under white noise: every sample distinct, so a misaligned window shows."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    return np.stack([0.3 * np.sin(2 * np.pi * (440 + 220 * c) * t) +
                     0.1 * rng.standard_normal(len(t)) for c in range(channels)])


def decord_window(path, sample_rate=16000, duration=10.0, offset=0.0, keep=None):
    """LoadAudio's window as it was: decord decodes the whole track, then a slice,
    tiled to ``duration``."""
    import decord
    samples = decord.AudioReader(path, sample_rate=sample_rate, mono=True)[:].asnumpy()
    samples = samples.reshape(-1).astype(np.float32)
    start = int(round(offset * sample_rate))
    length = (len(samples) - start if duration is None
              else int(round(duration * sample_rate)))
    kept = length if keep is None else min(length, int(round(keep * sample_rate)))
    window = samples[start:start + kept]
    if len(window) < length:
        window = np.tile(window, -(-length // len(window)))[:length]
    return window


# (duration, offset, keep): from the start, tiled, a kept part of a later window
# (past the 0.5 s FFmpeg pre-roll, so a container seeks), the rest of the track.
WINDOWS = [(1.0, 0.0, None), (3.0, 0.0, None), (1.0, 0.77, 0.4), (None, 1.1, None)]


def load_windows(path, sample_rate=16000, windows=WINDOWS):
    """(LoadAudio's window, decord's window) for each of ``windows``."""
    for duration, offset, keep in windows:
        audio = LoadAudio(sample_rate=sample_rate, duration=duration, offset=offset,
                          keep_duration=keep, min_duration=0.1)(dict(audio_path=path))
        assert audio['audio'].dtype == np.float32
        yield audio['audio'], decord_window(path, sample_rate, duration, offset, keep)


@pytest.mark.parametrize('width', [1, 2, 3, 4])
@pytest.mark.parametrize('channels', [1, 2])
def test_pcm_wav_window_is_decords_bit_for_bit(tmp_path, width, channels):
    """8/16/24/32-bit, mono and stereo (decord's downmix is left * c + right * c,
    c = M_SQRT1_2 in float32), files of 1.3 s and 2.3 s."""
    for seconds in (1.3, 2.3):
        path = str(tmp_path / f'{seconds}.wav')
        write_pcm(path, noise(seconds, 16000, channels), 16000, width)
        for ours, theirs in load_windows(path):
            np.testing.assert_array_equal(ours, theirs)


def test_flac_window_is_decords_bit_for_bit(tmp_path):
    """16-bit stereo (read from its planes) and 24-bit mono (converted by
    libswresample), with windows past the seek pre-roll."""
    stereo, deep = str(tmp_path / 's16.flac'), str(tmp_path / 's32.flac')
    write_audio(stereo, 'flac', noise(2.3, 16000, 2), 16000, 's16')
    write_audio(deep, 'flac', noise(2.3, 16000), 16000, 's32')
    for path in (stereo, deep):
        for ours, theirs in load_windows(path):
            np.testing.assert_array_equal(ours, theirs)


def test_aac_window_matches_decord_from_the_start_and_after_a_seek(tmp_path, frame):
    """AAC in mp4 as the repo writes it (16 kHz mono) and a 44.1 kHz stereo m4a read
    at its own rate. Priming samples are dropped alike (decord's sample 0 is the
    first decoded one, ours the sample at the track's start time); windows past
    0.5 s come from a seek. Max difference measured: 3e-7 (two FFmpeg versions'
    AAC decoders); a window one sample off would differ by ~0.1.

    After a seek, bands FFmpeg's encoder coded as noise (PNS) decode to another
    draw of that noise: in the stereo file, 4e-6 in the window and 5e-4 in the
    track's last frames, all above 4 kHz (noisier sound: up to 0.2, same band
    energies)."""
    video = str(tmp_path / 'clip.mp4')
    write_video(video, np.repeat(frame[None], 10, 0), 4, noise(2.5, 16000)[0], 16000)
    for ours, theirs in load_windows(video):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    music = str(tmp_path / 'tones.m4a')
    t = np.arange(3 * 44100) / 44100
    write_audio(music, 'aac', 0.3 * np.stack([np.sin(2 * np.pi * 440 * t),
                                              np.sin(2 * np.pi * 660 * t)]), 44100)
    for (_, offset, _), (ours, theirs) in zip(WINDOWS, load_windows(music, 44100)):
        atol = 1e-6 if offset < 0.5 else 1e-3  # decoded from the start, or after a seek
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=atol)


def test_mp3_window_matches_decord(tmp_path):
    """Flickr-SoundNet's 22.05 kHz mp3s: mp3 seeks by estimated bitrate, so a
    window is decoded from the start; its encoder delay is dropped alike."""
    path = str(tmp_path / 'a.mp3')
    write_audio(path, 'libmp3lame', noise(2.3, 22050), 22050)
    for ours, theirs in load_windows(path, 22050):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


def test_a_file_at_the_target_rate_is_not_resampled(tmp_path, frame, monkeypatch):
    import av

    def no_resampler(*args, **kwargs):
        raise AssertionError('a file at the target rate went through a resampler')

    monkeypatch.setattr(av, 'AudioResampler', no_resampler)
    write_pcm(str(tmp_path / 'a.wav'), noise(1, 16000, 2), 16000)
    write_audio(str(tmp_path / 'a.flac'), 'flac', noise(1, 16000, 2), 16000, 's16')
    write_audio(str(tmp_path / 'a.m4a'), 'aac', noise(1, 16000, 2), 16000)
    write_video(str(tmp_path / 'a.mp4'), np.repeat(frame[None], 4, 0), 4,
                noise(1, 16000)[0], 16000)
    for name in ('a.wav', 'a.flac', 'a.m4a', 'a.mp4'):
        audio = LoadAudio(duration=1.0)(dict(audio_path=str(tmp_path / name)))['audio']
        assert audio.shape == (16000,)


def resample_whole_track(path, sample_rate):
    """Every frame of the track through one libswresample resampler, then flushed."""
    import av
    pieces = []
    with av.open(path) as container:
        resampler = av.AudioResampler(format='fltp', layout='mono', rate=sample_rate)
        for frame in container.decode(container.streams.audio[0]):
            pieces += [out.to_ndarray()[0] for out in resampler.resample(frame)]
        pieces += [out.to_ndarray()[0] for out in resampler.resample(None)]
    return np.concatenate(pieces)


def reversed_stereo(x):
    return np.concatenate([x, x[:, ::-1]])


@pytest.mark.parametrize('name,rate,write', [
    ('down.wav', 22050, write_pcm),
    ('stereo24.wav', 44100, lambda p, x, r: write_pcm(p, reversed_stereo(x), r, 3)),
    ('up.wav', 8000, write_pcm),
    ('stereo.flac', 44100, lambda p, x, r: write_audio(p, 'flac', reversed_stereo(x), r,
                                                       's16')),
    ('deep.flac', 22050, lambda p, x, r: write_audio(p, 'flac', x, r, 's32')),
    ('a.mp3', 44100, lambda p, x, r: write_audio(p, 'libmp3lame', x, r)),
])
def test_a_resampled_window_is_the_slice_of_the_resampled_track(tmp_path, name, rate,
                                                                write):
    """At another rate a window is resampled with a run-in either side; it equals
    the same slice of the whole track resampled in one go, bit for bit, wherever it
    starts (the resampler's phase included) and up to the track's flushed end."""
    path = str(tmp_path / name)
    write(path, noise(2.3, rate), rate)
    whole = resample_whole_track(path, 16000)
    ours = LoadAudio(duration=None)(dict(audio_path=path))['audio']
    np.testing.assert_array_equal(ours, whole)
    for offset, duration in [(0.0, 0.7), (0.31, 1.0), (0.93, 1.0), (1.8, 0.5)]:
        start = int(round(offset * 16000))
        ours = LoadAudio(duration=duration, offset=offset, min_duration=0.1)(
            dict(audio_path=path))['audio']
        np.testing.assert_array_equal(ours, whole[start:start + len(ours)])


def test_resampling_differs_from_decord_only_by_its_mid_stream_flush(tmp_path):
    """decord flushes its resampler after every decoded packet; only the first flush
    does anything: it appends 23 mirrored source samples after the first packet
    (2048 samples of a 22.05 kHz wav), so from there on its 16 kHz output is the
    signal 23 / 22050 s late. Up to that packet the two are bit-identical; the
    continuous resampler stays on time (overall max difference on this 440 Hz
    tone: ~1, a sign flip)."""
    path = str(tmp_path / 'tone.wav')
    write_wav(path, 0.5 * np.sin(2 * np.pi * 440 * np.arange(44100) / 22050), 22050)
    ours = LoadAudio(duration=1.0)(dict(audio_path=path))['audio']
    theirs = decord_window(path, duration=1.0)
    t = np.arange(16000) / 16000
    np.testing.assert_array_equal(ours[:1460], theirs[:1460])
    # 16-bit quantisation and the resampler's passband ripple: 4e-5. The first
    # samples see the silence before the file's start.
    np.testing.assert_allclose(ours[20:], 0.5 * np.sin(2 * np.pi * 440 * t[20:]),
                               rtol=0, atol=1e-4)
    late = t[1600:] - 23 / 22050
    np.testing.assert_allclose(theirs[1600:], 0.5 * np.sin(2 * np.pi * 440 * late),
                               rtol=0, atol=1e-4)


def test_cut_and_unreadable_audio_files(tmp_path, frame):
    """A wav cut mid-sample gives the whole samples it holds (as decord did); a cut
    mp4 (no index yet) and a file that is no audio are named."""
    whole = str(tmp_path / 'whole.wav')
    write_pcm(whole, noise(1, 16000, 2), 16000)
    data = open(whole, 'rb').read()
    cut = tmp_path / 'cut.wav'
    cut.write_bytes(data[:44 + 4 * 12000 + 3])
    audio = LoadAudio(duration=1.0)(dict(audio_path=str(cut)))['audio']
    np.testing.assert_array_equal(audio, decord_window(str(cut), duration=1.0))
    video = str(tmp_path / 'whole.mp4')
    write_video(video, np.repeat(frame[None], 4, 0), 4, noise(1, 16000)[0], 16000)
    (tmp_path / 'cut.mp4').write_bytes(open(video, 'rb').read()[:2000])
    with pytest.raises(MediaError, match='cut.mp4: no decodable audio stream'):
        LoadAudio()(dict(video_path=str(tmp_path / 'cut.mp4')))
    (tmp_path / 'text.wav').write_text('RIFF, but no wave at all')
    with pytest.raises(MediaError, match='text.wav: no decodable audio stream'):
        LoadAudio()(dict(audio_path=str(tmp_path / 'text.wav')))


def test_a_window_past_the_end_is_too_short(tmp_path, frame, tone):
    write_wav(str(tmp_path / 'a.wav'), tone, 16000)
    write_video(str(tmp_path / 'a.mp4'), np.repeat(frame[None], 4, 0), 4, tone, 16000)
    for name in ('a.wav', 'a.mp4'):
        with pytest.raises(MediaError, match=f'{name}: 0.00s of audio from 3.0s'):
            LoadAudio(offset=3.0)(dict(audio_path=str(tmp_path / name)))
    with pytest.raises(ValueError, match='offset -1.0s is negative'):
        LoadAudio(offset=-1.0)(dict(audio_path=str(tmp_path / 'a.wav')))


# LoadFrame decodes a video with PyAV, skipping the frames nothing refers to; the
# picture must stay decord's.


def write_tagged_video(path, frames, fps=25, pix_fmt='yuv420p', matrix=None,
                       full_range=False):
    """H.264 with B-frames (x264 veryfast) whose stream says its colour matrix
    ('bt709') and range, as YouTube's and phones' files do."""
    import av
    with av.open(path, 'w') as container:
        stream = container.add_stream('libx264', rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = pix_fmt
        options = {'crf': '18', 'preset': 'veryfast'}
        if matrix:
            options.update(colorspace=matrix, color_primaries=matrix, color_trc=matrix)
            stream.codec_context.colorspace = 1  # AVCOL_SPC_BT709
        if full_range:
            options['color_range'] = 'pc'
            stream.codec_context.color_range = 2  # AVCOL_RANGE_JPEG
        stream.options = options
        for frame in frames:
            picture = av.VideoFrame.from_ndarray(frame, format='rgb24').reformat(
                format=pix_fmt)
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def moving_frames(count, height=48, width=64):
    yy, xx = np.mgrid[:height, :width]
    return np.stack([np.stack([(xx * 2 + 3 * k) % 256, (yy * 3 + 5 * k) % 256,
                               (xx + yy + 7 * k) % 256], -1)
                     for k in range(count)]).astype(np.uint8)


def decord_frame(path, index):
    import decord
    return decord.VideoReader(path, num_threads=1)[index].asnumpy()


@pytest.mark.parametrize('tags', [
    dict(), dict(matrix='bt709'), dict(full_range=True), dict(pix_fmt='yuvj420p'),
    dict(matrix='bt709', full_range=True)])
def test_every_video_frame_is_decords_bit_for_bit(tmp_path, tags):
    """Each frame of a 2-s clip, reached by frame_time (from the keyframe, non-
    reference frames skipped), in the colour matrix and range the stream names."""
    path = str(tmp_path / 'clip.mp4')
    write_tagged_video(path, moving_frames(50), **tags)
    for index in range(50):
        img = LoadFrame(frame_time=index / 25).transform(dict(video_path=path))['img']
        np.testing.assert_array_equal(img, decord_frame(path, index))


def test_middle_frame_of_a_long_clip_is_decords(tmp_path):
    """The default frame, 4 s into an 8-s clip: 100 frames to reach, most skipped."""
    path = str(tmp_path / 'long.mp4')
    write_tagged_video(path, moving_frames(200, 72, 96))
    img = LoadFrame().transform(dict(video_path=path))['img']
    np.testing.assert_array_equal(img, decord_frame(path, 100))


@pytest.mark.parametrize('degrees', [90, 180, 270])
def test_a_rotated_video_is_read_upright_as_decord_reads_it(tmp_path, degrees):
    """A phone's video: the track header's display matrix turns it. LoadFrame turns
    it as players and decord do, bit for bit with decord, and so does its cache
    (the inference API reads the same frame: tests/test_apis)."""
    path = str(tmp_path / 'turned.mp4')
    picture = moving_frames(4, 64, 96)
    write_tagged_video(path, picture, fps=4)
    rotate_mp4(path, degrees)
    upright = decord_frame(path, 2)
    assert np.abs(upright.astype(int) - np.rot90(picture[2], -degrees // 90)).mean() < 3
    np.testing.assert_array_equal(LoadFrame().transform(dict(video_path=path))['img'],
                                  upright)
    cached = LoadFrame(cache_dir=str(tmp_path / 'cache'))
    for _ in range(2):  # decoded and written, then read from the cache
        np.testing.assert_array_equal(cached.transform(dict(video_path=path))['img'],
                                      upright)
    assert len(list((tmp_path / 'cache').rglob('*.png'))) == 1


# Files whose headers lie, built by tests/hostile_media.py: each is a MediaError
# naming the file (a training dataset skips and counts it), never another error.

# name: (riff_wav arguments, what the error says)
LYING_WAVS = {
    'rate0': (dict(rate=0), 'its header gives a sample rate of 0 Hz'),
    'rate1': (dict(rate=1), 'its header gives a sample rate of 1 Hz'),
    'rate_past_ffmpeg': (dict(rate=2**32 - 1), 'a sample rate of 4294967295 Hz'),
    'width5': (dict(width=5), 'no decodable audio stream'),
    'width0': (dict(width=0), 'no decodable audio stream'),
    'channels0': (dict(channels=0), 'no decodable audio stream'),
    'fmt_chunk_cut': (dict(fmt_size=10), 'no decodable audio stream'),
}


@pytest.mark.parametrize('name', sorted(LYING_WAVS))
def test_a_wav_whose_header_lies_is_named(tmp_path, name):
    """A sample rate of 0 divided by zero, 5-byte samples were a numpy TypeError."""
    header, message = LYING_WAVS[name]
    path = str(tmp_path / f'{name}.wav')
    riff_wav(path, **header)
    with pytest.raises(MediaError, match=re.escape(f'{path}: ') + '.*' + message):
        LoadAudio(duration=1.0)(dict(audio_path=path))


def test_a_wav_cut_inside_its_header_is_named(tmp_path):
    riff_wav(str(tmp_path / 'whole.wav'))
    data = (tmp_path / 'whole.wav').read_bytes()
    for cut in (4, 12, 20, 30, 40, 44):  # in the RIFF, fmt and data headers
        path = tmp_path / f'cut{cut}.wav'
        path.write_bytes(data[:cut])
        with pytest.raises(MediaError, match=re.escape(f'{path}: ')):
            LoadAudio(duration=1.0)(dict(audio_path=str(path)))


def test_garbled_wav_headers_are_read_or_named(tmp_path):
    """Random bytes over a wav's first 60 (seeded; Python's wave raised
    RuntimeError for some, FFmpeg's resampler MemoryError for others): every file
    is read or is a MediaError naming it."""
    import random
    riff_wav(str(tmp_path / 'whole.wav'))
    data = (tmp_path / 'whole.wav').read_bytes()
    rng, path, outcomes = random.Random(0), tmp_path / 'garbled.wav', set()
    for _ in range(200):
        garbled = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            garbled[rng.randrange(60)] = rng.randrange(256)
        path.write_bytes(bytes(garbled))
        try:
            LoadAudio(duration=1.0, min_duration=0.1)(dict(audio_path=str(path)))
            outcomes.add('read')
        except MediaError as err:
            assert str(err).startswith(f'{path}: ')
            outcomes.add('named')
    assert outcomes == {'read', 'named'}


def _no_decoding(*args, **kwargs):
    raise AssertionError('a picture over the limit was decoded')


@pytest.mark.filterwarnings('ignore::PIL.Image.DecompressionBombWarning')  # Pillow's
@pytest.mark.parametrize('build,size,message', [
    (png_claiming, (20000, 20000), 'Image size (400000000 pixels) exceeds limit'),
    (jpeg_claiming, (20000, 20000), 'Image size (400000000 pixels) exceeds limit'),
    (jpeg_claiming, (12000, 12000), 'a 12000x12000 picture (144.0 MP) is larger than '
                                    'max_pixels=16777216 (16.8 MP); to read it, pass a '
                                    'larger max_pixels'),
])
def test_an_image_claiming_a_huge_size_is_refused_before_decoding(
        tmp_path, monkeypatch, build, size, message):
    """A 331-byte jpg claiming 12000x12000 decoded, without an error, to a 432-MB
    grey frame; over Pillow's own limit (179 MP) Pillow raised its
    DecompressionBombError, which named no file. Frames and masks read the size
    from the header and decode nothing."""
    import cv2
    from PIL import Image
    path = str(tmp_path / f'{size[0]}.{build.__name__[:3]}')
    build(path, *size)
    monkeypatch.setattr(Image.Image, 'load', _no_decoding)
    monkeypatch.setattr(cv2, 'imdecode', _no_decoding)
    for transform, key in ((LoadFrame(), 'frame_path'),
                           (LoadGroundTruthMask(), 'gt_mask_path')):
        with pytest.raises(MediaError, match=re.escape(f'{path}: {message}')):
            transform({key: path})


def test_max_pixels_is_the_largest_frame_read(tmp_path, frame, tone):
    """The limit counts width x height, of a frame file, a mask and a video alike."""
    import cv2

    from avloc.fileio import write_video
    cv2.imwrite(str(tmp_path / 'f.png'), frame[..., ::-1])
    write_video(str(tmp_path / 'v.mp4'), np.repeat(frame[None], 4, 0), 4, tone, 16000)
    pixels = 64 * 48
    for transform, results in (
            (LoadFrame, dict(frame_path=str(tmp_path / 'f.png'))),
            (LoadGroundTruthMask, dict(gt_mask_path=str(tmp_path / 'f.png'))),
            (LoadFrame, dict(video_path=str(tmp_path / 'v.mp4')))):
        transform(max_pixels=pixels)(dict(results))
        with pytest.raises(MediaError, match=re.escape(
                'a 64x48 picture (0.0 MP) is larger than max_pixels=3071')):
            transform(max_pixels=pixels - 1)(dict(results))
    assert 'max_pixels=3072' in repr(LoadFrame(max_pixels=pixels))


def test_a_video_claiming_a_huge_frame_is_refused_before_decoding(tmp_path):
    """A 9-kB H.264 clip whose SPS claims 12000x12000 (a real one, 442 kB, took
    LoadFrame to 2.1 GB): refused from the stream's size, with or without the
    frame cache, which then holds nothing."""
    path = str(tmp_path / 'huge.mp4')
    h264_claiming(path, 12000, 12000)
    message = re.escape(f'{path}: a 12000x12000 picture (144.0 MP) is larger than '
                        'max_pixels=16777216')
    for load in (LoadFrame(), LoadFrame(cache_dir=str(tmp_path / 'cache'))):
        with pytest.raises(MediaError, match=message):
            load(dict(video_path=path))
    assert not list(tmp_path.rglob('*.png'))
    # The audio track is still read (the frame is what is refused).
    assert LoadAudio(duration=1.0)(dict(video_path=path))['audio'].shape == (16000,)
