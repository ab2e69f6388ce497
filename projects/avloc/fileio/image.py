"""Reading images: a frame as (H, W, 3) uint8 RGB as the public SSL-TIE and EZ-VSL
loaders read it (:func:`read_image`), and a ground-truth mask as (H, W) uint8 grey
as ``cv2.imread`` reads it (:func:`read_mask`).

Both read the file once, refuse a jpg or png cut short (whatever Pillow's
``ImageFile.LOAD_TRUNCATED_IMAGES`` says) and a picture whose header gives more
than ``max_pixels`` pixels before anything is decoded, each as a
:class:`MediaError` naming the file.
"""
import io

import cv2
import numpy as np
from PIL import Image

from .media_error import MAX_PIXELS, MediaError, check_frame_size, require_file


def _require_whole_image(path: str, data: bytes) -> None:
    """Raise if a jpg or png file stops before its end marker.

    A truncated or partly written file is what an interrupted copy or extraction
    leaves. Pillow rejects it only while ``ImageFile.LOAD_TRUNCATED_IMAGES`` is off
    (a process-wide flag that many training scripts turn on), cv2 pads it with grey
    and prints a warning: either way the model would see a picture that is not the
    clip's. Checking the bytes is exact and costs no second decode: a jpg's
    entropy-coded data cannot hold 0xFFD9 (a 0xFF there is followed by 0x00 or a
    restart marker), so the end marker must follow the last scan's start (0xFFDA);
    bytes after the end marker (padding, vendor trailers) do no harm. A png must
    hold its whole closing IEND chunk.
    Damage inside the entropy-coded data that leaves the markers in place is not
    detected: it decodes to wrong pixels, as it does in the public loaders.
    """
    if data.startswith(b'\xff\xd8'):  # jpg start-of-image
        last_scan = data.rfind(b'\xff\xda')
        if last_scan < 0 or data.find(b'\xff\xd9', last_scan) < 0:
            raise MediaError(f'{path}: truncated jpg (no end-of-image marker after '
                             'its last scan)')
    elif data.startswith(b'\x89PNG\r\n\x1a\n'):
        end = data.rfind(b'IEND')
        if end < 0 or len(data) < end + 8:  # the chunk type, then its 4-byte CRC
            raise MediaError(f'{path}: truncated png (no whole IEND chunk)')


def _read_bytes(path: str) -> bytes:
    require_file(path)
    with open(path, 'rb') as f:
        data = f.read()
    _require_whole_image(path, data)
    return data


def _open_image(path: str, data: bytes, max_pixels: int) -> Image.Image:
    """Pillow's image of ``data``, its header read and its size checked against
    ``max_pixels``; nothing decoded yet (Pillow decodes on ``load``/``convert``)."""
    try:
        image = Image.open(io.BytesIO(data))
    except (OSError, ValueError) as err:  # UnidentifiedImageError is an OSError
        raise MediaError(f'{path}: not a readable image ({err})') from err
    except Image.DecompressionBombError as err:  # Pillow's own limit, 179 MP
        raise MediaError(f'{path}: {err} (to read it, raise PIL.Image.MAX_IMAGE_PIXELS '
                         f'and max_pixels={max_pixels})') from err
    try:
        check_frame_size(path, *image.size, max_pixels)
    except MediaError:
        image.close()
        raise
    return image


def read_image(path: str, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an image file to (H, W, 3) uint8 RGB as the public SSL-TIE and EZ-VSL
    loaders do, ``Image.open(path).convert('RGB')``, refusing one of more than
    ``max_pixels`` pixels from its header, before it is decoded.

    Pillow rather than OpenCV: ``cv2.imread`` applies a jpg's EXIF orientation (the
    public loaders do not) and links its own libjpeg, so the same file could decode to
    other pixels than the ones the public test transform sees. Pillow decodes the
    bytes already read for the truncation check, so the pixels are the ones
    ``Image.open(path)`` gives.

    Raises:
        MediaError: A missing, truncated, unreadable or too large image, named.
    """
    data = _read_bytes(path)
    with _open_image(path, data, max_pixels) as image:
        try:
            return np.array(image.convert('RGB'))  # a writable copy
        except (OSError, ValueError) as err:
            raise MediaError(f'{path}: not a readable image ({err})') from err


def read_mask(path: str, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode a mask image to (H, W) uint8 grey levels, the pixels of
    ``cv2.imread(path, cv2.IMREAD_GRAYSCALE)``.

    Pillow reads the header first, so a mask of more than ``max_pixels`` pixels
    (or a format Pillow does not know) is refused before anything is decoded.

    Raises:
        MediaError: A missing, truncated, unreadable or too large image, named.
    """
    data = _read_bytes(path)
    _open_image(path, data, max_pixels).close()  # the header: size checked
    mask = cv2.imdecode(np.frombuffer(data, np.uint8),
                        cv2.IMREAD_GRAYSCALE)  # cv2.imread's decoder
    if mask is None:
        raise MediaError(f'{path}: not a readable mask image')
    return mask
