"""One picture of an ffmpeg frame extraction, made as the ffmpeg command line makes it.

The public SSL-TIE code trains on frames its extractor wrote
(``utils/convert_video2frames.py``, at commit c49e6a9)::

    ffmpeg -i <video> -vf fps=25 -s 299x299 <dir>/<id>/%03d.jpg -hide_banner

and reads ``125.jpg`` of each VGG-Sound clip. :class:`FrameExtraction` names such a
command and the file read; :func:`extract_frame` writes exactly that file without an
ffmpeg binary, running FFmpeg's own pieces through PyAV in the order the command line
strings them together (read from ``ffmpeg -loglevel debug``, FFmpeg 9.0):

1. Timestamps: the command line moves every packet by minus the file's start time
   (its demuxer's ``ts_offset``, rounded to the stream's time base), and the stream
   ends where its last frame ends (``pts + duration``).
2. A video whose track header turns it is turned first (``transpose=clock``,
   ``hflip,vflip`` or ``transpose=cclock``: the command line's ``autorotate``).
3. ``fps=25`` (FFmpeg's ``fps`` filter, rounding to nearest): output frame ``k``
   (pts ``k`` in 1/25 s, counted from the first frame's rounded pts) is the *last*
   source frame whose time rounds to ``k`` or less, so ``125.jpg`` (k = 124,
   1-indexed files) is the last frame before 4.98 s; the stream ends at the end of
   its last frame, rounded, so a clip that ends before 4.98 s has no ``125.jpg``.
4. ``-s 299x299``: a ``scale=299:299`` filter after the user's filters, with the
   command line's scaler flags, bicubic (FFmpeg 9's passes none, and bicubic is
   libswscale's default; 4.x passed ``flags=bicubic`` itself), squashing the frame
   to the square. It also
   converts to the encoder's format: the ``format`` filter the command line adds
   lists mjpeg's formats (``yuvj420p|yuvj422p|yuvj444p|yuv420p|yuv422p|yuv444p``,
   full range), so a yuv420p video is resized and expanded to full-range 4:2:0 in
   one libswscale pass.
5. FFmpeg's ``mjpeg`` encoder with the command line's settings: none given, so
   rate control at the library's default 200 kb/s, 8 kbit a frame at 25 frames a
   second (the command line reports q=24.8: coarse, as the public frames are),
   optimal Huffman tables (one thread, as the command line forces), and the
   frame's sample aspect ratio in a JFIF header when the video has one. The rate
   control carries state from frame to frame, so every frame up to the one kept
   is encoded.

With the FFmpeg libraries PyAV bundles (8.0 for PyAV 16), the file is meant to be
byte for byte what that FFmpeg's command line writes: the filter graph is the one
the command line logs, and the encoder step, fed FFmpeg 9.0.2's scaled frames,
gave its command line's files byte for byte on all 150 frames of a 6-s clip (but
for the comment naming the libavcodec version). Other FFmpeg versions' scalers
round differently: against FFmpeg 9.0.2 the scaled frame differs by one grey level
in 0.4% of its samples, and where such a difference moves a quantised coefficient,
the decoded JPEG by more (at most 2 to 25 grey levels on test clips, 0.12 on
average on a busy one).
"""
from dataclasses import dataclass
from fractions import Fraction
from typing import List, Optional, Tuple

from avloc.fileio import MAX_PIXELS, MediaError, clockwise_degrees, linked_graph, open_first_stream

# The command line's autorotate filters for each clockwise turn (ffmpeg_filter.c).
_CLI_TURNS = {0: (), 90: (('transpose', 'clock'), ), 180: (('hflip', None), ('vflip', None)),
              270: (('transpose', 'cclock'), )}
# The formats the command line's format filter offers mjpeg (FFmpeg 9.0's debug log).
_MJPEG_FORMATS = 'yuvj420p|yuvj422p|yuvj444p|yuv420p|yuv422p|yuv444p'


@dataclass(frozen=True)
class FrameExtraction:
    """``ffmpeg -i <video> -vf fps=<rate> [-s <W>x<H>] <dir>/<pattern>``, file
    ``number`` (the image muxer numbers files from 1).

    Args:
        rate (int): The ``fps`` filter's rate, frames per second.
        number (int): The file kept, 1 for the first.
        size (tuple, optional): ``-s`` as (width, height); None keeps the video's
            size. Defaults to None.
        pattern (str): The file name pattern, for messages. Defaults to '%d.jpg'.
    """

    rate: int
    number: int
    size: Optional[Tuple[int, int]] = None
    pattern: str = '%d.jpg'

    @property
    def file_name(self) -> str:
        """The kept file's name, e.g. ``125.jpg``."""
        return self.pattern % self.number

    @property
    def time(self) -> float:
        """Where the kept frame starts, in seconds from the first frame."""
        return (self.number - 1) / self.rate

    def command(self) -> str:
        """The ffmpeg command this extraction reproduces, and the file it keeps."""
        size = f' -s {self.size[0]}x{self.size[1]}' if self.size else ''
        return (f'ffmpeg -i VIDEO -vf fps={self.rate}{size} DIR/{self.pattern}, '
                f'file {self.file_name}')


# SSL-TIE's VGG-Sound training frames: convert_video2frames.py, 125.jpg.
SSLTIE_VGGSOUND = FrameExtraction(rate=25, number=125, size=(299, 299), pattern='%03d.jpg')
# SSL-TIE's Flickr-SoundNet training frames, frames/<id>/00000003.jpg, come from
# another extractor: SoundNet's frame release (frames_public.tar.gz), which the
# SoundNet authors say holds one frame a second (cvondrick/soundnet issue #7); their
# frame lists end in a 13-character '/%08d.jpg'. The command is not published, so
# this is a reconstruction: ffmpeg at 1 fps numbering files from 1 as it does by
# default (00000003.jpg: the last frame before 2.5 s), at the video's own size. The
# SoundNet code also labels one frame per 5 s, 4 per clip (main_train.lua), which
# would put 00000003.jpg near 10 s instead; only the frames themselves can tell.
SSLTIE_FLICKR = FrameExtraction(rate=1, number=3, pattern='%08d.jpg')


def _round_half_away(value: Fraction) -> int:
    """FFmpeg's AV_ROUND_NEAR_INF: to the nearest integer, halves away from zero."""
    whole = int(abs(value) + Fraction(1, 2))
    return whole if value >= 0 else -whole


def _graph(frame, time_base: Fraction, sar: Fraction, extraction: FrameExtraction):
    """buffer -> autorotate -> fps -> [scale] -> format (mjpeg's) -> buffersink, as
    the command line builds it for the first decoded frame."""
    import av
    graph = av.filter.Graph()
    chain = [graph.add(
        'buffer', video_size=f'{frame.width}x{frame.height}', pix_fmt=frame.format.name,
        time_base=str(time_base), pixel_aspect=f'{sar.numerator}/{sar.denominator}',
        colorspace=str(int(frame.colorspace)), range=str(int(frame.color_range)))]
    chain += [graph.add(name, args) for name, args in _CLI_TURNS[clockwise_degrees(frame)]]
    chain.append(graph.add('fps', str(extraction.rate)))
    if extraction.size:
        # Empty flags: libswscale's default, bicubic, as the command line passes it.
        chain.append(graph.add('scale', '{}:{}'.format(*extraction.size)))
    chain += [graph.add('format', pix_fmts=_MJPEG_FORMATS, color_ranges='pc'),
              graph.add('buffersink')]
    return linked_graph(graph, chain)


def _encoder(frame, rate: int, sar: Fraction):
    """FFmpeg's mjpeg encoder as the command line opens it with no options."""
    import av
    encoder = av.CodecContext.create('mjpeg', 'w')
    encoder.width, encoder.height = frame.width, frame.height
    encoder.pix_fmt = frame.format.name
    encoder.color_range = frame.color_range
    encoder.time_base = Fraction(1, rate)
    encoder.framerate = Fraction(rate)
    encoder.thread_count = 1  # the command line forces it: optimal Huffman tables
    if sar:
        encoder.sample_aspect_ratio = sar
    return encoder


def extract_frame(video_path: str, extraction: FrameExtraction,
                  max_pixels: int = MAX_PIXELS) -> Tuple[bytes, object]:
    """The file ``extraction.number`` of the ffmpeg extraction ``extraction``.

    Decodes only as far as that frame (the ``fps`` filter needs the frame after it,
    or the end of the stream, to know it).

    Args:
        video_path (str): The video.
        extraction (FrameExtraction): The command and the file kept.
        max_pixels (int): The largest frame to decode, checked from the header.
            Defaults to :data:`MAX_PIXELS`.

    Returns:
        tuple: ``(jpeg, frame)``: the file's bytes, and the ``av.VideoFrame`` the
        encoder was given (the scaler's output, before JPEG coding).

    Raises:
        MediaError: The video does not decode, has frames without timestamps, or
            ends before the kept frame (the public pipeline then has no such file),
            named with the reason.
    """
    import av
    with open_first_stream(video_path, 'video', 'cannot decode a video stream',
                           max_pixels) as (container, stream):
        time_base = stream.time_base
        # -ts_offset: the command line starts the file's timeline at zero.
        start = container.start_time or 0
        offset = _round_half_away(Fraction(-start, 1000000) / time_base) if start else 0
        sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
        sar = Fraction(sar) if sar else Fraction(0, 1)
        stream.codec_context.thread_count = 1  # one worker process per core
        graph = encoder = None
        out_sar = Fraction(0, 1)
        shape = None
        count, last_end = 0, None

        def drain() -> List:
            frames = []
            while True:
                try:
                    frames.append(graph.pull())
                except (av.BlockingIOError, av.EOFError):
                    return frames

        def encode(frames: List) -> Optional[Tuple[bytes, object]]:
            nonlocal encoder, count
            for picture in frames:
                if encoder is None:
                    encoder = _encoder(picture, extraction.rate, out_sar)
                count += 1
                packets = encoder.encode(picture)
                if count == extraction.number:
                    return b''.join(bytes(p) for p in packets), picture
            return None

        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    raise MediaError(f'{video_path}: a video frame without a timestamp; '
                                     'the fps filter cannot place it')
                if graph is None:
                    shape = (frame.width, frame.height, frame.format.name)
                    if extraction.size and sar:
                        # vf_scale's output aspect: the picture keeps its shape.
                        w, h = shape[:2]
                        if clockwise_degrees(frame) in (90, 270):
                            w, h = h, w
                        out_sar = sar * Fraction(extraction.size[1] * w,
                                                 extraction.size[0] * h)
                    else:
                        out_sar = sar
                    graph = _graph(frame, time_base, sar, extraction)
                elif (frame.width, frame.height, frame.format.name) != shape:
                    raise MediaError(f'{video_path}: the video changes frame size or '
                                     'format mid-stream; not supported')
                frame.pts += offset
                last_end = (frame.pts + (frame.duration or 0)) * time_base
                graph.push(frame)
                found = encode(drain())
                if found:
                    return found
            if graph is not None:
                graph.push(None)  # the end of the last frame ends the stream
                found = encode(drain())
                if found:
                    return found
        except av.error.FFmpegError as err:
            raise MediaError(f'{video_path}: the video does not decode ({err})') from err
    length = f', the video ends at {float(last_end):.3f} s' if last_end is not None else ''
    raise MediaError(
        f'{video_path}: no {extraction.file_name} in the extraction '
        f'"{extraction.command()}": it makes {count} files{length}, the public '
        'pipeline has no frame for this clip')
