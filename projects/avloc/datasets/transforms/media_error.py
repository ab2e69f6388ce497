"""The error every loader raises for a clip whose media cannot be used, the largest
frame a loader decodes, and the opening of a media file's first decodable stream,
which checks both.

A file's header says how large its pictures are, and a few hundred bytes can claim
12000x12000: decoding that allocates gigabytes (a 442-kB H.264 clip took
``LoadFrame`` to 2.1 GB, the video demo past 12 GB). Every loader reads the size
first and refuses a frame of more than ``max_pixels`` pixels before it allocates
one; :data:`MAX_PIXELS` is the default everywhere.
"""
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Tuple

# 4096 x 4096 = 16.8 MP: twice a 4K UHD frame (3840 x 2160, 8.3 MP), eight times a
# 1080p one; a frame this size is 50 MB as RGB. The one default of every loader,
# API and demo; each takes ``max_pixels`` (the demos ``--max-pixels``) to raise it.
MAX_PIXELS = 4096 * 4096


class MediaError(ValueError):
    """A clip's media cannot be used; the message names the file and the reason."""


def check_frame_size(path: str, width: int, height: int, max_pixels: int) -> None:
    """Raise :class:`MediaError` if a ``width`` x ``height`` frame has more than
    ``max_pixels`` pixels; the message says the size, the limit and how to raise it.
    """
    if width * height > max_pixels:
        raise MediaError(
            f'{path}: a {width}x{height} picture ({width * height / 1e6:.1f} MP) is '
            f'larger than max_pixels={max_pixels} ({max_pixels / 1e6:.1f} MP); to read '
            'it, pass a larger max_pixels (LoadFrame, LoadGroundTruthMask, the '
            'avloc.apis functions) or --max-pixels (tools/demo)')


@contextmanager
def open_first_stream(path: str, kind: str, failure: str,
                      max_pixels: Optional[int] = None,
                      **open_kwargs: Any) -> Iterator[Tuple[Any, Any]]:
    """Open ``path`` with PyAV and find its first ``kind`` stream that has a decoder;
    the container is closed when the block ends.

    For a video stream, the frame size its header gives is checked against
    ``max_pixels`` before any frame is decoded, and FFmpeg is told the limit too:
    it then allocates no frame above it while it probes the file (where it decodes
    a few frames) nor while the stream is decoded (a stream may change size). Its
    check counts the padded size it allocates and stops decoding with a less clear
    error, so it gets twice the limit: a backstop, not the check.

    Args:
        path: The media file.
        kind: ``'audio'`` or ``'video'``.
        failure: What could not be done, opening the :class:`MediaError` message
            (``'<path>: <failure> (<reason>)'``) when the file does not open or
            holds no such stream.
        max_pixels (int, optional): The largest video frame to decode, in pixels.
            Defaults to None (:data:`MAX_PIXELS` for video; unused for audio).
        **open_kwargs: Passed to ``av.open`` (e.g. ``options``).

    Yields:
        tuple: ``(container, stream)``, the open ``av`` container and the stream.

    Raises:
        MediaError: The file does not open, has no such stream, or its video frames
            are larger than ``max_pixels``.
    """
    import av  # here, so that importing the loaders does not load FFmpeg
    limit = None
    if kind == 'video':
        limit = {'max_pixels': str(2 * (max_pixels or MAX_PIXELS))}
        open_kwargs['options'] = {**open_kwargs.get('options', {}), **limit}
    try:
        container = av.open(path, **open_kwargs)
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise MediaError(f'{path}: {failure} ({err})') from err
    with container:
        # A track whose codec FFmpeg lacks has no codec context: it cannot decode.
        streams = [s for s in getattr(container.streams, kind) if s.codec_context is not None]
        if not streams:
            raise MediaError(f'{path}: {failure} (no {kind} track with a decoder)')
        stream = streams[0]
        if limit:
            codec = stream.codec_context
            check_frame_size(path, codec.width, codec.height, max_pixels or MAX_PIXELS)
            codec.options = {**codec.options, **limit}
        yield container, stream
