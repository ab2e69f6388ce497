import numpy as np
import pytest
from hostile_media import h264_claiming

from avloc.fileio import MediaError, decoded_frames, open_first_stream, write_wav


def test_open_first_stream_finds_the_stream_and_closes_the_file(tmp_path, tone):
    path = str(tmp_path / 'a.wav')
    write_wav(path, tone, 16000)
    with open_first_stream(path, 'audio', 'no audio') as (container, stream):
        assert stream.type == 'audio' and stream.codec_context.sample_rate == 16000
        samples = sum(frame.samples for frame in decoded_frames(container, stream))
    assert samples == len(tone)


def test_open_first_stream_names_what_could_not_be_done(tmp_path, tone):
    path = str(tmp_path / 'a.wav')
    write_wav(path, tone, 16000)
    with pytest.raises(MediaError, match=r'a.wav: no video \(no video track with a decoder\)'):
        with open_first_stream(path, 'video', 'no video'):
            pass
    (tmp_path / 'junk.mp4').write_bytes(b'not a video at all' * 10)
    with pytest.raises(MediaError, match=r'junk.mp4: unreadable \('):
        with open_first_stream(str(tmp_path / 'junk.mp4'), 'video', 'unreadable'):
            pass


def test_a_video_stream_is_checked_against_max_pixels_before_decoding(tmp_path):
    path = str(tmp_path / 'huge.mp4')
    h264_claiming(path, 12000, 12000)
    with pytest.raises(MediaError, match='huge.mp4: a 12000x12000 picture'):
        with open_first_stream(path, 'video', 'no video'):
            pass
    with open_first_stream(path, 'video', 'no video', 12000 * 12000) as (_, stream):
        assert (stream.codec_context.width, stream.codec_context.height) == (12000, 12000)
    # Its audio opens without the frame check.
    with open_first_stream(path, 'audio', 'no audio') as (_, stream):
        assert stream.type == 'audio'


def test_decoded_frames_ends_at_a_damaged_stream_without_raising(tmp_path):
    path = str(tmp_path / 'a.mp3')
    import av
    with av.open(path, 'w') as out:  # 1 s of mp3, then its middle overwritten
        sound = out.add_stream('mp3', rate=16000, layout='mono')
        samples = (0.3 * np.sin(np.arange(16000) * 0.1)).astype(np.float32)[None]
        frame = av.AudioFrame.from_ndarray(samples, format='fltp', layout='mono')
        frame.sample_rate = 16000
        out.mux(sound.encode(frame))
        out.mux(sound.encode(None))
    data = bytearray(open(path, 'rb').read())
    data[len(data) // 2:] = b'\xff' * (len(data) - len(data) // 2)
    open(path, 'wb').write(bytes(data))
    with open_first_stream(path, 'audio', 'no audio') as (container, stream):
        decoded = sum(f.samples for f in decoded_frames(container, stream))
    assert 0 < decoded < 16000 + 2000
