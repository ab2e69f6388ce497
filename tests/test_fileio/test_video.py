from fractions import Fraction

import numpy as np
import pytest
from hostile_media import h264_claiming, rotate_mp4

from avloc.fileio import (MediaError, VideoWriter, audio_sample_rate, frame_index, read_frames,
                          read_video_frame, read_window, video_info, write_video)


def levels(count, height=48, width=64):
    """Frames of one grey level each, 20, 29, 38, ...: H.264 keeps them within a few."""
    return np.stack([np.full((height, width, 3), 20 + 9 * k, np.uint8)
                     for k in range(count)])


@pytest.fixture
def clip(tmp_path, tone):
    path = str(tmp_path / 'clip.mp4')
    write_video(path, levels(25), 25, tone, 16000)
    return path


def test_write_video_and_video_info(clip, tmp_path):
    info = video_info(clip)
    assert info['fps'] == Fraction(25) and info['rotation'] == 0
    assert (info['width'], info['height'], info['num_frames']) == (64, 48, 25)
    assert info['duration'] == pytest.approx(1.0, abs=0.05)
    assert audio_sample_rate(clip) == 16000
    assert not [p for p in tmp_path.iterdir() if 'partial' in p.name]


def test_read_frames_gives_every_frame_or_one_per_tick(clip):
    frames = list(read_frames(clip))
    assert [round(t * 25) for t, _ in frames] == list(range(25))
    means = [float(f.mean()) for _, f in frames]
    np.testing.assert_allclose(means, 20 + 9 * np.arange(25), atol=3)
    assert frames[0][1].shape == (48, 64, 3) and frames[0][1].dtype == np.uint8
    ticks = list(read_frames(clip, fps=5))
    assert [round(t * 25) for t, _ in ticks] == [0, 5, 10, 15, 20]


def test_read_video_frame_is_the_frame_read_frames_gives(clip):
    every = [f for _, f in read_frames(clip)]
    np.testing.assert_array_equal(read_video_frame(clip), every[12])  # the middle
    np.testing.assert_array_equal(read_video_frame(clip, frame_time=0.2), every[5])
    with pytest.raises(MediaError, match=r'clip.mp4: frame_time 3.0s is outside the '
                                         r'video \(25 frames\)'):
        read_video_frame(clip, frame_time=3.0)
    with pytest.raises(MediaError, match='gone.mp4: file not found'):
        read_video_frame(clip.replace('clip', 'gone'))


def test_frame_index_counts_as_decord():
    assert frame_index('v', 25, 25.0) == 12
    assert frame_index('v', 25, 25.0, 0.21) == 5
    with pytest.raises(MediaError, match='v: the video stream has no frames'):
        frame_index('v', 0, 25.0)
    with pytest.raises(MediaError, match='outside the video'):
        frame_index('v', 25, None, 0.0)  # no rate: no time can be placed


def test_a_turned_video_is_read_upright(clip):
    upright = read_video_frame(clip)
    rotate_mp4(clip, 90)
    info = video_info(clip)
    assert (info['width'], info['height'], info['rotation']) == (48, 64, 90)
    turned = read_video_frame(clip)
    assert turned.shape == (64, 48, 3)
    np.testing.assert_allclose(turned, np.rot90(upright, k=-1), atol=2)
    assert next(read_frames(clip))[1].shape == (64, 48, 3)


def test_readers_refuse_frames_larger_than_max_pixels(tmp_path):
    path = str(tmp_path / 'huge.mp4')
    h264_claiming(path, 12000, 12000)
    for read in (video_info, read_video_frame, lambda p: next(read_frames(p))):
        with pytest.raises(MediaError, match='huge.mp4: a 12000x12000 picture'):
            read(path)


def test_video_writer_writes_frames_and_copies_audio(clip, tmp_path):
    out = str(tmp_path / 'out.mp4')
    with VideoWriter(out, Fraction(10), 32, 24, audio_rate=22050) as writer:
        for level in levels(10, 24, 32):
            writer.write(level)
        writer.copy_audio(clip)
    info = video_info(out)
    assert (info['width'], info['height'], info['num_frames']) == (32, 24, 10)
    assert info['fps'] == Fraction(10)
    assert audio_sample_rate(out) == 22050
    audio, source = read_window(out, 16000, 0, None), read_window(clip, 16000, 0, None)
    # The source's track re-encoded: an AAC encoder's padding longer, as loud.
    assert len(source) <= len(audio) < len(source) + 2048 * 16000 // 22050 + 1
    np.testing.assert_allclose(np.abs(audio[4000:12000]).max(), 0.5, atol=0.05)
    silent = str(tmp_path / 'silent.mp4')
    with VideoWriter(silent, Fraction(10), 32, 24) as writer:
        writer.write(levels(1, 24, 32)[0])
    assert video_info(silent)['num_frames'] == 1
    with pytest.raises(MediaError, match='no decodable audio stream'):
        audio_sample_rate(silent)
