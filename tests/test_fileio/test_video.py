from fractions import Fraction

import av
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


def audio_packets(path):
    """The audio stream's codec, channels, rate and packet bytes."""
    with av.open(path) as container:
        stream = container.streams.audio[0]
        packets = [bytes(p) for p in container.demux(stream) if p.size]
        return (stream.codec_context.name, stream.codec_context.channels,
                stream.codec_context.sample_rate, packets)


def test_video_writer_writes_frames_and_copies_the_audio_as_it_is(clip, tmp_path):
    out = str(tmp_path / 'out.mp4')
    with VideoWriter(out, Fraction(10), 32, 24, audio_from=clip) as writer:
        for level in levels(10, 24, 32):
            writer.write(level)
        writer.write_audio()
    info = video_info(out)
    assert (info['width'], info['height'], info['num_frames']) == (32, 24, 10)
    assert info['fps'] == Fraction(10)
    # mono AAC in, the same packets out: no second channel, not one sample longer
    codec, channels, rate, packets = audio_packets(out)
    assert (codec, channels, rate) == ('aac', 1, 16000)
    assert packets == audio_packets(clip)[3]
    np.testing.assert_array_equal(read_window(out, 16000, 0, None),
                                  read_window(clip, 16000, 0, None))
    silent = str(tmp_path / 'silent.mp4')
    with VideoWriter(silent, Fraction(10), 32, 24) as writer:
        writer.write(levels(1, 24, 32)[0])
    assert video_info(silent)['num_frames'] == 1
    with pytest.raises(MediaError, match='no decodable audio stream'):
        audio_sample_rate(silent)
    with pytest.raises(MediaError, match='silent.mp4: no decodable audio stream'):
        VideoWriter(str(tmp_path / 'never.mp4'), Fraction(10), 32, 24, audio_from=silent)
    assert not (tmp_path / 'never.mp4').exists()


def test_video_writer_reencodes_pcm_keeping_channels_and_rate(tmp_path):
    source = str(tmp_path / 'pcm.mkv')
    t = np.arange(22050) / 22050
    with av.open(source, 'w') as container:  # 1 s of stereo 16-bit PCM at 22.05 kHz
        stream = container.add_stream('pcm_s16le', rate=22050, layout='stereo')
        samples = (0.5 * np.sin(2 * np.pi * 300 * t) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.repeat(samples, 2)[None], format='s16',
                                           layout='stereo')
        frame.sample_rate = 22050
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    out = str(tmp_path / 'out.mp4')
    with VideoWriter(out, Fraction(10), 32, 24, audio_from=source) as writer:
        writer.write(levels(1, 24, 32)[0])
        writer.write_audio()
    codec, channels, rate, _ = audio_packets(out)
    assert (codec, channels, rate) == ('aac', 2, 22050)
    audio, original = read_window(out, 22050, 0, None), read_window(source, 22050, 0, None)
    # an AAC encoder's priming and last-frame padding at most, as loud
    assert len(original) <= len(audio) <= len(original) + 2048
    np.testing.assert_allclose(np.abs(audio[5000:15000]).max(),
                               np.abs(original[5000:15000]).max(), atol=0.03)
