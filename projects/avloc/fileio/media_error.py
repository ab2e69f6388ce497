"""The error every reader raises for a clip whose media cannot be used, and the
largest frame a reader decodes.

A file's header says how large its pictures are, and a few hundred bytes can claim
12000x12000: decoding that allocates gigabytes (a 442-kB H.264 clip took
``LoadFrame`` to 2.1 GB, the video demo past 12 GB). Every loader reads the size
first and refuses a frame of more than ``max_pixels`` pixels before it allocates
one; :data:`MAX_PIXELS` is the default everywhere.
"""
import os.path as osp

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


def require_file(path: str) -> None:
    """Raise :class:`MediaError` if ``path`` is not a file: a missing clip is named
    as one that does not decode is."""
    if not osp.isfile(path):
        raise MediaError(f'{path}: file not found')
