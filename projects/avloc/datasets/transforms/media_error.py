"""The error every loader raises for a clip whose media cannot be used, and the
opening of a media file's first decodable stream, which raises it."""
from contextlib import contextmanager
from typing import Any, Iterator, Tuple


class MediaError(ValueError):
    """A clip's media cannot be used; the message names the file and the reason."""


@contextmanager
def open_first_stream(path: str, kind: str, failure: str,
                      **open_kwargs: Any) -> Iterator[Tuple[Any, Any]]:
    """Open ``path`` with PyAV and find its first ``kind`` stream that has a decoder;
    the container is closed when the block ends.

    Args:
        path: The media file.
        kind: ``'audio'`` or ``'video'``.
        failure: What could not be done, opening the :class:`MediaError` message
            (``'<path>: <failure> (<reason>)'``) when the file does not open or
            holds no such stream.
        **open_kwargs: Passed to ``av.open`` (e.g. ``options``).

    Yields:
        tuple: ``(container, stream)``, the open ``av`` container and the stream.
    """
    import av  # here, so that importing the loaders does not load FFmpeg
    try:
        container = av.open(path, **open_kwargs)
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise MediaError(f'{path}: {failure} ({err})') from err
    with container:
        # A track whose codec FFmpeg lacks has no codec context: it cannot decode.
        streams = [s for s in getattr(container.streams, kind) if s.codec_context is not None]
        if not streams:
            raise MediaError(f'{path}: {failure} (no {kind} track with a decoder)')
        yield container, streams[0]
