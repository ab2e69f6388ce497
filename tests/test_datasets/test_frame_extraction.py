"""The public SSL-TIE extractor's frame, made without ffmpeg.

``utils/convert_video2frames.py`` runs ``ffmpeg -i VIDEO -vf fps=25 -s 299x299
DIR/%03d.jpg`` and training reads ``125.jpg``. The tests check
:func:`extract_frame` against a plain transcription of that command in PyAV (the
filter graph ``fps=25,scale=299:299`` into full-range 4:2:0, then the mjpeg encoder
at its defaults over every frame up to the kept one), and against the rule of the
``fps`` filter, read from clips whose frames carry their own index.

Measured against FFmpeg 9.0.2's command line (imageio-ffmpeg's binary, 2026-12-07,
not needed here): the same files exist (149 frames at 30 fps make 124 files, 150
make 125), the JPEG headers are identical (quantiser, Huffman tables, JFIF aspect),
the encoder step is byte-identical on all 150 frames of a 6-s clip, and the scaled
frames differ by one grey level in about 0.4% of samples (the scaler of PyAV's
FFmpeg 8.0 rounds a little differently).
"""
import io
from fractions import Fraction

import av
import numpy as np
import pytest
from counter_frames import H, W, counter_frames, read_counter
from PIL import Image, JpegImagePlugin

from avloc.datasets.frame_extraction import SSLTIE_VGGSOUND, FrameExtraction, extract_frame
from avloc.datasets.transforms import MediaError
from avloc.fileio import write_video


def write_vfr(path: str, frames: np.ndarray, times_ms) -> None:
    """H.264 mp4 of ``frames`` shown at ``times_ms`` (milliseconds)."""
    with av.open(path, 'w') as container:
        stream = container.add_stream('libx264', rate=30)
        stream.width, stream.height, stream.pix_fmt = W, H, 'yuv420p'
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for image, ms in zip(frames, times_ms):
            frame = av.VideoFrame.from_ndarray(image, format='rgb24')
            frame.pts, frame.time_base = int(ms), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture(scope='module')
def clips(tmp_path_factory) -> dict:
    """5.2-s clips at 30 and 25 fps, one at a variable rate, and the 30-fps clips of
    149 and 150 frames that end just before and at 4.98 s."""
    root = tmp_path_factory.mktemp('extraction')
    paths = {}
    for name, fps, count in (('cfr30', 30, 156), ('cfr25', 25, 130), ('short', 30, 149),
                             ('edge', 30, 150)):
        paths[name] = str(root / f'{name}.mp4')
        write_video(paths[name], counter_frames(count), fps, None, 16000)
    # Gaps of 20 to 60 ms, about 25 fps on average: several frames fall in some
    # output slots (the fps filter keeps the last) and none in others (it repeats).
    gaps = np.random.default_rng(0).integers(20, 61, 160)
    times = np.concatenate([[0], np.cumsum(gaps)[:-1]])
    paths['vfr'] = str(root / 'vfr.mp4')
    write_vfr(paths['vfr'], counter_frames(160), times)
    return paths


def source_index(path: str, rate: int, number: int) -> int:
    """The frame the fps filter puts in file ``number``: the last whose time,
    rounded to 1/rate s (halves away from zero), is at most the first frame's
    rounded time plus ``number - 1``."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        times = [frame.pts * stream.time_base for frame in container.decode(stream)]
    ticks = [int(t * rate + Fraction(1, 2)) for t in times]  # times are >= 0 here
    return max(k for k, tick in enumerate(ticks) if tick <= ticks[0] + number - 1)


def transcribe(path: str, rate: int, size: tuple, turn: tuple = ()) -> list:
    """Every frame of ``ffmpeg -i path -vf fps=rate -s WxH``: PyAV's filter graph
    fps, scale (libswscale's default flags, bicubic) into full-range 4:2:0, after
    the ``turn`` filters the command line's autorotate puts first."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        graph = av.filter.Graph()
        chain = [graph.add_buffer(template=stream.codec_context, time_base=stream.time_base)]
        chain += [graph.add(*step) for step in turn]
        chain += [graph.add('fps', str(rate)), graph.add('scale', '{}:{}'.format(*size)),
                  graph.add('format', 'yuvj420p'), graph.add('buffersink')]
        for upstream, downstream in zip(chain, chain[1:]):
            upstream.link_to(downstream)
        graph.configure()
        frames = []

        def pull():
            while True:
                try:
                    frames.append(graph.pull())
                except (av.BlockingIOError, av.EOFError):
                    return
        for frame in container.decode(stream):
            graph.push(frame)
            pull()
        graph.push(None)
        pull()
    return frames


def encode_as_the_cli(frames: list, rate: int) -> bytes:
    """The mjpeg encoder as ffmpeg opens it with no options (rate control at 200
    kb/s, one thread), fed every frame; the last frame's JPEG."""
    encoder = av.CodecContext.create('mjpeg', 'w')
    encoder.width, encoder.height = frames[0].width, frames[0].height
    encoder.pix_fmt, encoder.time_base = 'yuvj420p', Fraction(1, rate)
    encoder.thread_count = 1
    for pts, frame in enumerate(frames):
        frame.pts = pts
        packets = encoder.encode(frame)
    return bytes(packets[0])


def planes(frame) -> list:
    return [np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width]
            for p in frame.planes]


@pytest.mark.parametrize('name', ['cfr30', 'cfr25', 'vfr'])
def test_ssltie_frame_is_the_fps_filters_frame_125_as_ffmpeg_writes_it(clips, name):
    path = clips[name]
    jpeg, picture = extract_frame(path, SSLTIE_VGGSOUND)
    expected = source_index(path, 25, 125)
    # 4.967 s, 4.96 s, 4.977 s; FFmpeg 9's command line writes the same three frames.
    assert expected == dict(cfr30=149, cfr25=124, vfr=123)[name]
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.size == (299, 299) and image.format == 'JPEG'
        assert JpegImagePlugin.get_sampling(image) == 2  # 4:2:0, as ffmpeg writes it
        decoded = np.array(image.convert('RGB'))
    assert read_counter(decoded) == expected
    # The scaler's output is the transcription's, exactly; the file is what the
    # mjpeg encoder makes of frames 1 to 125 at ffmpeg's defaults, byte for byte.
    reference = transcribe(path, 25, (299, 299))
    for mine, theirs in zip(planes(picture), planes(reference[124])):
        np.testing.assert_array_equal(mine, theirs)
    assert jpeg == encode_as_the_cli(reference[:125], 25)
    # JPEG at ffmpeg's default rate control is lossy (quantiser about 25): measured
    # on these clips, mean 2.4 and at most 35 grey levels from the scaled frame.
    error = np.abs(decoded.astype(int) - reference[124].to_ndarray(format='rgb24'))
    assert error.mean() < 4


def test_a_clip_ending_before_4_98_s_has_no_frame_125(clips):
    """ffmpeg ends the stream at the end of its last frame: 149 frames at 30 fps end
    at 4.967 s and make 124 files, 150 end at 5.0 s and make 125 (as FFmpeg 9's
    command line does)."""
    with pytest.raises(MediaError, match=r'short\.mp4: no 125\.jpg .* makes 124 files, '
                                         r'the video ends at 4\.967 s'):
        extract_frame(clips['short'], SSLTIE_VGGSOUND)
    jpeg, _ = extract_frame(clips['edge'], SSLTIE_VGGSOUND)
    assert read_counter(np.array(Image.open(io.BytesIO(jpeg)).convert('RGB'))) == 149


def test_an_extraction_without_size_keeps_the_videos_size(clips):
    """Flickr's reconstruction, ``-vf fps=1`` and file 3: the last frame before
    2.5 s (frame 74 at 30 fps), 64x48."""
    extraction = FrameExtraction(rate=1, number=3, pattern='%08d.jpg')
    assert extraction.file_name == '00000003.jpg'
    jpeg, _ = extract_frame(clips['cfr30'], extraction)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.size == (W, H)
        assert read_counter(np.array(image.convert('RGB'))) == 74


def test_a_turned_video_is_turned_before_it_is_squashed(clips, tmp_path):
    """ffmpeg's autorotate: a phone video (display matrix: 90 degrees clockwise) gets
    ``transpose=clock`` before the user's filters."""
    from hostile_media import rotate_mp4
    path = str(tmp_path / 'turned.mp4')
    with open(clips['cfr30'], 'rb') as src, open(path, 'wb') as dst:
        dst.write(src.read())
    rotate_mp4(path, 90)
    jpeg, picture = extract_frame(path, SSLTIE_VGGSOUND)
    reference = transcribe(path, 25, (299, 299), turn=(('transpose', 'clock'), ))
    for mine, theirs in zip(planes(picture), planes(reference[124])):
        np.testing.assert_array_equal(mine, theirs)
    assert jpeg == encode_as_the_cli(reference[:125], 25)
    upright = np.rot90(np.array(Image.open(io.BytesIO(jpeg)).convert('RGB')), 1)
    assert read_counter(upright) == 149
