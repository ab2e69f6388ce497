"""Opening a media file's first decodable stream of a kind, its frame size checked
before anything is decoded, and decoding a stream up to its first damaged packet."""
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Tuple

from .media_error import MAX_PIXELS, MediaError, check_frame_size

# ``open_first_stream`` options for a file opened for its audio alone: FFmpeg's probe
# then decodes no video frame (0.6 ms of a 10-s clip).
AUDIO_ONLY = dict(options={'skip_frame': 'all'})


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


def decoded_frames(container, stream) -> Iterator:
    """Decoded frames of ``stream``; a damaged or cut packet ends the stream, as it
    ends decord's decoding loop (the samples before it are kept)."""
    import av
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError:
        return
