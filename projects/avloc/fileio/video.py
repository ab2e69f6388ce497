"""Reading and writing video: the first video stream's properties
(:func:`video_info`), one frame (:func:`read_video_frame`) or every frame
(:func:`read_frames`) as (H, W, 3) uint8 RGB, upright, through :class:`UprightRGB`,
and frames with their audio written as H.264 + AAC in MP4: all at once
(:func:`write_video`) or frame by frame, with another file's audio kept as it is
where MP4 allows (:class:`VideoWriter`).

Every reader checks the frame size the header gives against ``max_pixels`` before
it decodes a frame (:func:`~.streams.open_first_stream`), and names the file in a
:class:`MediaError` when it cannot decode one.
"""
import contextlib
import os
from fractions import Fraction
from typing import Iterator, Optional, Tuple

import numpy as np

from .filter_graph import UprightRGB, clockwise_degrees
from .media_error import MAX_PIXELS, MediaError, require_file
from .streams import AUDIO_ONLY, decoded_frames, open_first_stream


def write_video(path: str, frames: np.ndarray, fps: int, audio: Optional[np.ndarray],
                sample_rate: int, crf: int = 18) -> None:
    """Encode ``frames`` (T, H, W, 3) uint8 RGB as H.264 and ``audio`` (N,) float in
    [-1, 1] as mono AAC into an MP4 file. ``audio=None`` writes a video-only file.

    The file is written under a temporary name and renamed, so an interrupted run
    never leaves a truncated file behind.
    """
    import av
    tmp = f'{path}.partial.mp4'
    with av.open(tmp, mode='w') as container:
        video = container.add_stream('libx264', rate=fps)
        video.width, video.height = frames.shape[2], frames.shape[1]
        video.pix_fmt = 'yuv420p'
        video.options = {'crf': str(crf), 'preset': 'veryfast'}
        if audio is not None:
            sound = container.add_stream('aac', rate=sample_rate, layout='mono')
        for frame in frames:
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if audio is not None:
            samples = np.clip(audio, -1, 1).astype(np.float32)[None]  # (1, N) planar
            chunk = 1024
            for start in range(0, samples.shape[1], chunk):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(samples[:, start:start + chunk]), format='fltp',
                    layout='mono')
                frame.sample_rate = sample_rate
                frame.pts = start
                frame.time_base = Fraction(1, sample_rate)
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    os.replace(tmp, path)


#: Audio codecs an MP4 holds and browsers play: such a track is copied packet for
#: packet, exactly as it was; any other is re-encoded as AAC.
COPIED_AUDIO_CODECS = ('aac', 'mp3')


#: The usual layout of each channel count, for a file that declares only a count
#: ("2 channels"), which the AAC encoder refuses.
STANDARD_LAYOUTS = {1: 'mono', 2: 'stereo', 3: '3.0', 4: '4.0', 5: '5.0', 6: '5.1',
                    7: '6.1', 8: '7.1'}


def _aac_layout(stream) -> str:
    """The channel layout of an audio ``stream``, named so the AAC encoder takes it."""
    name = stream.layout.name
    return STANDARD_LAYOUTS.get(stream.codec_context.channels, name) \
        if name.endswith('channels') else name


class VideoWriter:
    """An MP4 written frame by frame as H.264 (yuv420p: even sizes), with another
    file's audio track (:meth:`write_audio`).

    The audio is kept as it is where MP4 allows: an AAC or MP3 track is copied
    packet for packet (same channels, rate, samples and timestamps). Another codec
    (PCM, Vorbis, Opus, FLAC, ...) is re-encoded as AAC with the source's channel
    layout and sample rate; the encoder adds its priming and pads the last frame,
    at most 2048 samples (46 ms at 44.1 kHz).

    Example:
        >>> with VideoWriter('out.mp4', Fraction(25), 640, 360, audio_from='in.mp4') as out:
        ...     for frame in frames:  # (360, 640, 3) uint8 RGB
        ...         out.write(frame)
        ...     out.write_audio()

    Args:
        path: The output file (.mp4).
        rate (Fraction): Frames per second.
        width, height (int): The frame size, both even.
        audio_from (str, optional): The file whose first decodable audio track
            :meth:`write_audio` writes; None writes no audio. Defaults to None.
        crf (int): x264's constant rate factor. Defaults to 20.

    Raises:
        MediaError: ``audio_from`` has no decodable audio stream.
    """

    def __init__(self, path: str, rate: Fraction, width: int, height: int,
                 audio_from: Optional[str] = None, crf: int = 20) -> None:
        import av
        self.audio_from, self.copied, self.sound = audio_from, False, None
        with contextlib.ExitStack() as stack:
            if audio_from is not None:  # refused before the output file is created
                _, source = stack.enter_context(open_first_stream(
                    audio_from, 'audio', 'no decodable audio stream', **AUDIO_ONLY))
            self.container = av.open(path, mode='w')
            self.video = self.container.add_stream('libx264', rate=rate)
            self.video.width, self.video.height = width, height
            self.video.pix_fmt = 'yuv420p'
            self.video.options = {'crf': str(crf), 'preset': 'veryfast'}
            if audio_from is not None:
                self.copied = source.codec_context.name in COPIED_AUDIO_CODECS
                self.sound = (self.container.add_stream_from_template(source)
                              if self.copied else self.container.add_stream(
                                  'aac', rate=source.codec_context.sample_rate,
                                  layout=_aac_layout(source)))
        self.count, self.flushed = 0, False

    def write(self, frame: np.ndarray) -> None:
        """Encode the next frame, (H, W, 3) uint8 RGB."""
        import av
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format='rgb24')
        picture.pts = self.count
        self.container.mux(self.video.encode(picture))
        self.count += 1

    def _flush_video(self) -> None:
        if not self.flushed:
            self.container.mux(self.video.encode(None))
            self.flushed = True

    def write_audio(self) -> None:
        """Write ``audio_from``'s track, up to a damaged packet
        (:func:`decoded_frames`); the video is finished first."""
        self._flush_video()
        if self.sound is None:
            return
        with open_first_stream(self.audio_from, 'audio', 'no decodable audio stream',
                               **AUDIO_ONLY) as (container, stream):
            if self.copied:
                self._copy_packets(container, stream)
            else:
                self._encode(container, stream)

    def _copy_packets(self, container, stream) -> None:
        import av
        try:
            for packet in container.demux(stream):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = self.sound
                self.container.mux(packet)
        except av.error.FFmpegError:
            return  # a damaged packet ends the track, as decoding would

    def _encode(self, container, stream) -> None:
        import av
        sound = self.sound
        resampler = av.AudioResampler(format=sound.format.name, layout=sound.layout.name,
                                      rate=sound.rate)
        for frame in decoded_frames(container, stream):
            frame.pts = None  # the encoder numbers the resampled samples itself
            for converted in resampler.resample(frame):
                self.container.mux(sound.encode(converted))
        for converted in resampler.resample(None):
            self.container.mux(sound.encode(converted))
        self.container.mux(sound.encode(None))

    def close(self) -> None:
        """Finish the video and close the file."""
        try:
            self._flush_video()
        finally:
            self.container.close()

    def __enter__(self) -> 'VideoWriter':
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            self.close()
        else:  # as the container's own ``with``: closed, nothing more encoded
            self.container.close()


def video_info(path: str, max_pixels: int = MAX_PIXELS) -> dict:
    """``fps`` (Fraction), ``duration`` (s), ``width`` and ``height`` as shown
    (upright: swapped for a video turned by 90 degrees), ``rotation`` (the
    clockwise turn that shows it upright, degrees) and an estimate of
    ``num_frames`` of a video's first video stream. Decodes its first frame, for
    the turn, once its size is checked.

    Args:
        path: The video file.
        max_pixels (int): The largest frame to decode, in pixels. Defaults to
            :data:`MAX_PIXELS` (4096 x 4096).

    Raises:
        MediaError: Unreadable file, no video stream or no frame, or frames
            larger than ``max_pixels``.
    """
    import av
    with open_first_stream(path, 'video', 'not a readable video',
                           max_pixels) as (container, stream):
        fps = stream.average_rate or stream.guessed_rate or Fraction(25)
        if stream.duration is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / 1e6
        num_frames = stream.frames or int(round(duration * fps))
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError as err:
            raise MediaError(f'{path}: video frame 0 does not decode ({err})') from err
        if first is None:
            raise MediaError(f'{path}: the video stream has no frames')
        turn = clockwise_degrees(first)
        width, height = first.width, first.height
        if turn in (90, 270):
            width, height = height, width
        return dict(fps=Fraction(fps), duration=duration, width=width, height=height,
                    rotation=turn, num_frames=num_frames)


def read_frames(path: str, fps: Optional[float] = None,
                max_pixels: int = MAX_PIXELS) -> Iterator[Tuple[float, np.ndarray]]:
    """Every frame of a video's first video stream, in decoding order, or one per
    tick at ``fps`` (the first frame at or after each tick; frames are dropped,
    never repeated).

    Args:
        path: The video file.
        fps (float, optional): Frames per second to keep. Defaults to None (every
            frame).
        max_pixels (int): The largest frame to decode, in pixels. Defaults to
            :data:`MAX_PIXELS` (4096 x 4096).

    Yields:
        tuple: ``time`` (s from the stream's start) and the frame, (H, W, 3) uint8
        RGB, upright.

    Raises:
        MediaError: Unreadable file, no video stream, frames larger than
            ``max_pixels``, or a frame that does not decode (named by its index).
    """
    import av
    with open_first_stream(path, 'video', 'not a readable video',
                           max_pixels) as (container, stream):
        stream.thread_type = 'AUTO'  # frame threads: decoding is not the model's core
        rgb, start = UprightRGB(stream.time_base), stream.start_time or 0
        next_tick, index = 0.0, 0
        try:
            for frame in container.decode(stream):
                time = (float((frame.pts - start) * stream.time_base)
                        if frame.pts is not None else index / float(stream.average_rate))
                index += 1
                if fps is not None:
                    if time + 1e-6 < next_tick:
                        continue
                    next_tick += 1 / fps
                yield time, rgb(frame)
        except av.error.FFmpegError as err:
            raise MediaError(f'{path}: video frame {index} does not decode ({err})') from err


def frame_index(path: str, num_frames: int, fps: Optional[float],
                frame_time: Optional[float] = None) -> int:
    """decord's index of the frame at ``frame_time`` seconds (None: the middle one)
    of a video of ``num_frames`` frames at ``fps``.

    Raises:
        MediaError: The video has no frames, or ``frame_time`` is outside it.
    """
    if num_frames == 0:
        raise MediaError(f'{path}: the video stream has no frames')
    if frame_time is None:
        return num_frames // 2
    index = int(round(frame_time * fps)) if fps else -1
    if not 0 <= index < num_frames:
        raise MediaError(f'{path}: frame_time {frame_time}s is outside the '
                         f'video ({num_frames} frames)')
    return index


def read_video_frame(path: str, frame_time: Optional[float] = None,
                     max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """One frame of a video's first video stream, as decord's
    ``VideoReader(path)[index]`` gives it (the loader before), bit for bit, and
    upright (:class:`UprightRGB`).

    Frame ``index`` (:func:`frame_index`) counts in presentation order, as decord
    numbers frames: the stream's packets sorted by timestamp. Decoding starts at
    the last keyframe before the frame and skips the frames no other frame refers
    to (``skip_frame='NONREF'``; they cannot change it), which reaches the middle
    frame of a 10-s H.264 clip in about half the decoding. A video without packet
    timestamps is read with decord.

    Args:
        path: The video file.
        frame_time (float, optional): Time in seconds of the frame. Defaults to
            None (the middle frame).
        max_pixels (int): The largest frame to decode, in pixels, checked from
            the header. Defaults to :data:`MAX_PIXELS` (4096 x 4096).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.

    Raises:
        MediaError: A missing or unreadable file, frames larger than
            ``max_pixels``, ``frame_time`` outside the video, or a frame that does
            not decode.
    """
    import av
    require_file(path)
    with open_first_stream(path, 'video', 'cannot decode a video stream',
                           max_pixels) as (container, stream):
        try:
            packets = [p for p in container.demux(stream) if p.size]
        except av.error.FFmpegError as err:
            raise MediaError(f'{path}: cannot decode a video stream ({err})') from err
        if any(p.pts is None for p in packets):
            return _read_frame_with_decord(path, frame_time)
        rate = stream.average_rate
        index = frame_index(path, len(packets), float(rate) if rate else None, frame_time)
        target = sorted(p.pts for p in packets)[index]
        at = next(i for i, p in enumerate(packets) if p.pts == target)
        first = max((i for i in range(at + 1)
                     if packets[i].is_keyframe and packets[i].pts <= target), default=0)
        codec = stream.codec_context
        codec.thread_count = 1  # a data worker has one core; skip_frame per packet
        codec.skip_frame = 'NONREF'
        try:
            for i in range(first, len(packets) + 1):
                if i == at:
                    codec.skip_frame = 'DEFAULT'
                for frame in codec.decode(packets[i] if i < len(packets) else None):
                    if frame.pts == target:
                        return UprightRGB(stream.time_base)(frame)
        except av.error.FFmpegError as err:
            raise MediaError(f'{path}: frame {index} does not decode ({err})') from err
    raise MediaError(f'{path}: frame {index} does not decode')


def _read_frame_with_decord(path: str, frame_time: Optional[float]) -> np.ndarray:
    """The frame with decord, for a stream without packet timestamps; only
    reached after :func:`read_video_frame` checked the stream's frame size."""
    import decord
    try:
        reader = decord.VideoReader(path, num_threads=1)
    except Exception as err:  # decord raises its own DECORDError types
        raise MediaError(f'{path}: cannot decode a video stream ({err})') from err
    index = frame_index(path, len(reader), reader.get_avg_fps(), frame_time)
    frame = reader[index].asnumpy()
    if frame.shape[-1] != 3:
        # decord 0.6 pads the rows of some widths (48 px becomes 64) and reports
        # the padded RGB buffer as (h, w, 4): read it as (h, padded, 3), crop.
        h, w = frame.shape[:2]
        rows = np.ascontiguousarray(frame).reshape(h, -1)
        frame = rows.reshape(h, rows.shape[1] // 3, 3)[:, :w]
    return frame
