import re

import numpy as np
import pytest

from avloc.datasets.synthesis import write_video, write_wav
from avloc.datasets.transforms import LoadAudio, LoadFrame, MediaError


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
    with pytest.raises(MediaError, match='bad.mp4'):
        LoadFrame()(dict(video_path=str(bad)))


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
