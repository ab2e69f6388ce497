"""Loading one frame and one audio window of a clip, from a video or extracted files.

Two on-disk layouts are supported:

* the raw VGG-Sound layout: ``video/<id>.mp4`` with an H.264 video track and an audio
  track, both decoded with decord (``results['video_path']``);
* the extracted layout of the public SSL-TIE code: ``frames/<id>.jpg`` and
  ``audio/<id>.wav`` (``results['frame_path']`` and ``results['audio_path']``).
"""
import io
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

from avloc.registry import TRANSFORMS


class MediaError(ValueError):
    """A clip's media cannot be used; the message names the file and the reason."""


def _require_file(path: str) -> None:
    if not osp.isfile(path):
        raise MediaError(f'{path}: file not found')


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
    _require_file(path)
    with open(path, 'rb') as f:
        data = f.read()
    _require_whole_image(path, data)
    return data


def _read_image(path: str) -> np.ndarray:
    """Decode an image file to (H, W, 3) uint8 RGB as the public SSL-TIE and EZ-VSL
    loaders do, ``Image.open(path).convert('RGB')``.

    Pillow rather than OpenCV: ``cv2.imread`` applies a jpg's EXIF orientation (the
    public loaders do not) and links its own libjpeg, so the same file could decode to
    other pixels than the ones the public test transform sees. Pillow decodes the
    bytes already read for the truncation check, so the pixels are the ones
    ``Image.open(path)`` gives.
    """
    data = _read_bytes(path)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.array(image.convert('RGB'))  # a writable copy
    except (OSError, ValueError) as err:  # UnidentifiedImageError is an OSError
        raise MediaError(f'{path}: not a readable image ({err})') from err


def audio_source(info: dict) -> str:
    """The file a clip's audio is decoded from: ``audio_path`` if given, else the
    video."""
    return info.get('audio_path') or info['video_path']


@TRANSFORMS.register_module()
class LoadFrame(BaseTransform):
    """Decode one RGB frame and start its geometric record.

    Reads ``frame_path`` with Pillow when present, otherwise decodes ``video_path``
    with decord.
    Adds ``img`` (H, W, 3) uint8 RGB, ``ori_shape`` and ``img_shape`` (h, w), an
    identity ``homography_matrix`` and an all-ones ``valid_mask`` (H, W), so later
    transforms never branch on a missing key.

    Args:
        frame_time (float, optional): Time in seconds of the frame to decode from a
            video. ``None`` takes the middle frame. Defaults to None.
    """

    def __init__(self, frame_time: Optional[float] = None) -> None:
        self.frame_time = frame_time

    def _read_video_frame(self, path: str) -> np.ndarray:
        import decord
        _require_file(path)
        try:
            reader = decord.VideoReader(path, num_threads=1)
        except Exception as err:  # decord raises its own DECORDError types
            raise MediaError(f'{path}: cannot decode a video stream ({err})') from err
        num_frames = len(reader)
        if num_frames == 0:
            raise MediaError(f'{path}: the video stream has no frames')
        if self.frame_time is None:
            index = num_frames // 2
        else:
            index = int(round(self.frame_time * reader.get_avg_fps()))
            if not 0 <= index < num_frames:
                raise MediaError(f'{path}: frame_time {self.frame_time}s is outside the '
                                 f'video ({num_frames} frames)')
        frame = reader[index].asnumpy()
        if frame.shape[-1] != 3:
            # decord 0.6 pads the rows of some widths (48 px becomes 64) and reports
            # the padded RGB buffer as (h, w, 4): read it as (h, padded, 3), crop.
            h, w = frame.shape[:2]
            rows = np.ascontiguousarray(frame).reshape(h, -1)
            frame = rows.reshape(h, rows.shape[1] // 3, 3)[:, :w]
        return frame

    def transform(self, results: dict) -> dict:
        if results.get('frame_path'):
            img = _read_image(results['frame_path'])
        else:
            img = self._read_video_frame(results['video_path'])
        results['img'] = np.ascontiguousarray(img)
        results['ori_shape'] = img.shape[:2]
        results['img_shape'] = img.shape[:2]
        results['homography_matrix'] = np.eye(3, dtype=np.float32)
        results['valid_mask'] = np.ones(img.shape[:2], np.uint8)
        return results


@TRANSFORMS.register_module()
class LoadAudio(BaseTransform):
    """Decode a mono audio window at a fixed sample rate with decord.

    Reads ``audio_path`` when present, otherwise the audio track of ``video_path``.
    A window shorter than ``duration`` but at least ``min_duration`` is tiled to
    ``duration`` (as SSL-TIE tiles every clip to 10 s); anything shorter, or a window
    whose peak is below ``silence_threshold``, raises :class:`MediaError`.

    Args:
        sample_rate (int): Output sample rate in Hz. Defaults to 16000.
        duration (float, optional): Window length in seconds; None keeps everything
            from ``offset`` to the end, untiled. Defaults to 10.0.
        offset (float): Window start in seconds. Defaults to 0.0.
        min_duration (float): Shortest usable audio in seconds. Defaults to 0.5.
        silence_threshold (float): Peak amplitude below which audio counts as
            silent. Defaults to 1e-4.
        keep_duration (float, optional): Keep only this many seconds from
            ``offset`` before tiling to ``duration`` (SSL-TIE trains on the first 3 s
            of a VGG-Sound clip, 4 s of a Flickr clip, tiled to 10 s). None keeps
            the whole window. Defaults to None.

    A dataset may set the window per clip: ``results['audio_offset']`` replaces
    ``offset`` and ``results['audio_keep']`` caps the kept seconds (AVSBench pairs
    frame k with second k of its clip).
    """

    def __init__(self, sample_rate: int = 16000, duration: Optional[float] = 10.0,
                 offset: float = 0.0, min_duration: float = 0.5,
                 silence_threshold: float = 1e-4,
                 keep_duration: Optional[float] = None) -> None:
        self.sample_rate = sample_rate
        self.duration = duration
        self.offset = offset
        self.min_duration = min_duration
        self.silence_threshold = silence_threshold
        self.keep_duration = keep_duration

    def _decode(self, path: str) -> np.ndarray:
        import decord
        _require_file(path)
        try:
            reader = decord.AudioReader(path, sample_rate=self.sample_rate, mono=True)
            samples = reader[:].asnumpy()
        except Exception as err:
            raise MediaError(f'{path}: no decodable audio stream ({err})') from err
        return samples.reshape(-1).astype(np.float32)

    def transform(self, results: dict) -> dict:
        path = audio_source(results)
        samples = self._decode(path)
        offset = results.get('audio_offset', self.offset)
        start = int(round(offset * self.sample_rate))
        length = len(samples) - start if self.duration is None else \
            int(round(self.duration * self.sample_rate))
        keep = [k for k in (self.keep_duration, results.get('audio_keep')) if k is not None]
        kept = min([length] + [int(round(k * self.sample_rate)) for k in keep])
        window = samples[start:start + kept]
        if len(window) < self.min_duration * self.sample_rate:
            raise MediaError(
                f'{path}: {len(window) / self.sample_rate:.2f}s of audio from '
                f'{offset}s, need at least {self.min_duration}s')
        if np.abs(window).max() < self.silence_threshold:
            raise MediaError(f'{path}: the audio is silent '
                             f'(peak below {self.silence_threshold})')
        if len(window) < length:
            window = np.tile(window, -(-length // len(window)))[:length]
        results['audio'] = window
        results['sample_rate'] = self.sample_rate
        return results


@TRANSFORMS.register_module()
class LoadGroundTruthMask(BaseTransform):
    """Read a binary ground-truth mask image (AVSBench) from ``gt_mask_path`` into
    ``gt_mask`` (H, W) uint8, 1 where the sound source is. The mask stays at its
    file's resolution: the metric resizes it to the evaluation grid."""

    def transform(self, results: dict) -> dict:
        path = results['gt_mask_path']
        data = np.frombuffer(_read_bytes(path), np.uint8)
        mask = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)  # cv2.imread's decoder
        if mask is None:
            raise MediaError(f'{path}: not a readable mask image')
        results['gt_mask'] = (mask > 0).astype(np.uint8)
        return results
