"""Limits on the clips a shared page accepts (``tools/demo/web_demo.py``), checked
from the container's header before a frame is decoded: a 400 KB file can hold
20,000 frames at 1,000 fps, minutes of work for a few seconds of upload.

    limits = ClipLimits(max_seconds=20, max_frames=600)
    limits.check('clip.mp4')  # ClipLimitError naming what is over, and the limit

A header can understate a clip (Matroska stores no frame count, so frames are
estimated from a declared rate the timestamps need not keep): ``check_frames``,
called as frames are decoded, refuses such a clip when it passes the limit.
"""
import os.path as osp
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from avloc.fileio import open_first_stream


class ClipLimitError(ValueError):
    """A clip is over a :class:`ClipLimits` limit; the message names the file,
    what it holds and the limit."""


def read_header(path: str) -> dict:
    """What a video's container says about it, without decoding a frame.

    Returns:
        dict: ``bytes`` (file size), ``seconds`` (the longest stream, audio
        included, or None where the header gives no duration), ``frames`` (the
        first video stream's count, or its duration times its average rate; 0
        when neither is known), ``width`` and ``height``.

    Raises:
        MediaError: Unreadable file, no video stream, or frames larger than
            :data:`~avloc.fileio.MAX_PIXELS`.
    """
    size = osp.getsize(path)  # OSError for a missing file, as every loader raises
    # open_first_stream tells FFmpeg the frame limit, so that probing a header that
    # claims 12000x12000 frames does not allocate them
    with open_first_stream(path, 'video', 'not a readable video') as (container, stream):
        # The audio is decoded whole (and muxed back), so its length counts too.
        durations = [float(s.duration * s.time_base) for s in container.streams
                     if s.duration is not None and s.time_base is not None]
        if container.duration is not None:
            durations.append(container.duration / 1e6)
        video_seconds = (float(stream.duration * stream.time_base)
                         if stream.duration is not None else max(durations, default=0.0))
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        frames = stream.frames or int(round(video_seconds * rate))
        return dict(bytes=size, seconds=max(durations) if durations else None,
                    frames=frames, width=stream.width, height=stream.height)


@dataclass(frozen=True)
class ClipLimits:
    """The largest clip a page processes; 0 turns a limit off.

    The defaults bound one request to about a minute on a quiet 2-core CPU (the
    video demo writes about 9.5 frames/s at 1280x720 there; 3.5 minutes beside
    other jobs, at 2.8 frames/s) and admit a 20-s
    720p phone clip in either orientation.

    Args:
        max_megabytes (float): File size in MB (10^6 bytes). Defaults to 50.
        max_seconds (float): Duration of the longest stream. Defaults to 20.
        max_frames (int): Video frames. Defaults to 600 (20 s at 30 fps).
        max_side (int): The frame's longer side in pixels. Defaults to 1280.
    """

    max_megabytes: float = 50
    max_seconds: float = 20
    max_frames: int = 600
    max_side: int = 1280

    @property
    def max_bytes(self) -> Optional[int]:
        """The file-size limit in bytes; None when it is off."""
        return int(self.max_megabytes * 1e6) if self.max_megabytes else None

    def describe(self) -> str:
        """The limits in words, e.g. ``'clips of at most 50 MB, 20 s, 600 frames
        and 1280 pixels on the longer side'``."""
        parts = [f'{self.max_megabytes:g} MB' if self.max_megabytes else '',
                 f'{self.max_seconds:g} s' if self.max_seconds else '',
                 f'{self.max_frames} frames' if self.max_frames else '',
                 f'{self.max_side} pixels on the longer side' if self.max_side else '']
        parts = [part for part in parts if part]
        if not parts:
            return 'none'
        listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        return f'clips of at most {listed}'

    def check(self, path: str) -> dict:
        """Refuse ``path`` if its header puts it over a limit.

        Returns:
            dict: :func:`read_header`'s.

        Raises:
            ClipLimitError: Over a limit, or no duration in the header while
                ``max_seconds`` is set (a stream written live, e.g. a browser
                recording: its length is only known once it is all decoded).
            MediaError: Unreadable file or no video stream.
        """
        info = read_header(path)
        if self.max_bytes and info['bytes'] > self.max_bytes:
            raise ClipLimitError(f"{path}: {info['bytes'] / 1e6:.1f} MB, the limit is "
                                 f'{self.max_megabytes:g} MB')
        if self.max_seconds:
            if info['seconds'] is None:
                raise ClipLimitError(
                    f'{path}: its header gives no duration (written as a live stream?), '
                    f'so its length cannot be checked against the {self.max_seconds:g}-s '
                    'limit; remux it first, e.g. ffmpeg -i IN -c copy OUT.mp4')
            if info['seconds'] > self.max_seconds:
                raise ClipLimitError(f"{path}: {info['seconds']:.1f} s long, the limit is "
                                     f'{self.max_seconds:g} s')
        if self.max_frames and info['frames'] > self.max_frames:
            raise ClipLimitError(f"{path}: {info['frames']} frames, the limit is "
                                 f'{self.max_frames}')
        side = max(info['width'], info['height'])
        if self.max_side and side > self.max_side:
            raise ClipLimitError(f"{path}: {info['width']}x{info['height']}, the limit is "
                                 f'{self.max_side} pixels on the longer side')
        return info

    def check_frames(self, path: str, done: int) -> None:
        """Refuse ``path`` once ``done`` frames pass ``max_frames``: its header
        understated it (:meth:`check` let it through).

        Raises:
            ClipLimitError: ``done`` is over ``max_frames``.
        """
        if self.max_frames and done > self.max_frames:
            raise ClipLimitError(f'{path}: more than {self.max_frames} frames (its header '
                                 f'suggested fewer), the limit is {self.max_frames}')
