"""Loading one frame and one audio window of a clip, from a video or extracted files.

Two on-disk layouts are supported:

* the raw VGG-Sound layout: ``video/<id>.mp4`` with an H.264 video track and an audio
  track, both decoded with FFmpeg through PyAV (``results['video_path']``);
* the extracted layout of the public SSL-TIE code: ``frames/<id>.jpg`` and
  ``audio/<id>.wav`` (``results['frame_path']`` and ``results['audio_path']``).

Every failure to decode a file is a :class:`MediaError` naming it, which a training
dataset skips and counts; so is a picture larger than ``max_pixels``
(:data:`MAX_PIXELS`, 4096 x 4096, by default), refused from its header before it
is decoded.
"""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from avloc.fileio import (MAX_PIXELS, MediaError, read_image, read_mask, read_video_frame,
                          read_window, require_file)
from avloc.registry import TRANSFORMS
from avloc.structures import substitute_waveform
from .frame_cache import FrameCache
from .frame_transform import FrameTransform


def audio_source(info: dict) -> str:
    """The file a clip's audio is decoded from: ``audio_path`` if given, else the
    video."""
    return info.get('audio_path') or info['video_path']


def frame_record(results: dict, img: np.ndarray) -> dict:
    """Put a decoded (H, W, 3) uint8 RGB frame into ``results`` with the record the
    geometric transforms extend: ``img``, ``ori_shape`` and ``img_shape`` (h, w), an
    identity ``homography_matrix`` and an all-ones ``valid_mask`` (H, W). Shared by
    :class:`LoadFrame` and the inference API (frames already in memory)."""
    results['img'] = np.ascontiguousarray(img)
    results['ori_shape'] = img.shape[:2]
    results['img_shape'] = img.shape[:2]
    results['homography_matrix'] = np.eye(3, dtype=np.float32)
    results['valid_mask'] = np.ones(img.shape[:2], np.uint8)
    return results


@TRANSFORMS.register_module()
class LoadFrame(FrameTransform):
    """Decode one RGB frame and start its geometric record.

    Reads ``frame_path`` with Pillow when present, otherwise decodes ``video_path``
    with FFmpeg through PyAV: from the last keyframe before the frame, skipping the
    frames no other frame refers to (``skip_frame='NONREF'``; they cannot change
    it), which reaches the middle frame of a 10-s H.264 clip in about half the
    decoding. The picture is decord's ``VideoReader(path)[index]`` (the loader
    before), bit for bit (tested, BT.601, BT.709 and full-range), and upright: a
    video whose track header says to turn it (a phone's) is turned as players and
    decord turn it (:func:`~avloc.fileio.read_video_frame`, shared with the frame
    cache; the inference API and demos read frames through the same
    :class:`~avloc.fileio.UprightRGB`). A video without packet timestamps is still
    read with decord.
    Adds ``img`` (H, W, 3) uint8 RGB, ``ori_shape`` and ``img_shape`` (h, w), an
    identity ``homography_matrix`` and an all-ones ``valid_mask`` (H, W), so later
    transforms never branch on a missing key.

    A frame or video whose header gives more than ``max_pixels`` pixels is refused
    with a :class:`MediaError` before anything is decoded (a 331-byte jpg can claim
    12000x12000, 432 MB of RGB); a training dataset skips and counts it.

    Args:
        frame_time (float, optional): Time in seconds of the frame to decode from a
            video. ``None`` takes the middle frame. Defaults to None.
        cache_dir (str, optional): Keep each frame decoded from a video as a
            lossless PNG in this folder and read it from there in later epochs
            (:class:`FrameCache`); training from raw videos then runs as fast as
            from extracted frames after the first epoch. Defaults to None.
        max_pixels (int): The largest frame to decode, in pixels (width x
            height). Defaults to :data:`MAX_PIXELS` (4096 x 4096).
    """

    def __init__(self, frame_time: Optional[float] = None,
                 cache_dir: Optional[str] = None, max_pixels: int = MAX_PIXELS) -> None:
        self.frame_time = frame_time
        self.cache_dir = cache_dir
        self.cache = FrameCache(cache_dir) if cache_dir else None
        self.max_pixels = max_pixels

    def _read_video_frame(self, path: str) -> np.ndarray:
        """The frame of ``path`` at :attr:`frame_time` (:func:`read_video_frame`)."""
        return read_video_frame(path, self.frame_time, self.max_pixels)

    def transform(self, results: dict) -> dict:
        if results.get('frame_path'):
            img = read_image(results['frame_path'], self.max_pixels)
        elif self.cache is not None:
            require_file(results['video_path'])
            img = self.cache.get(results['video_path'], self.frame_time,
                                 self._read_video_frame)
        else:
            img = self._read_video_frame(results['video_path'])
        return frame_record(results, img)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(frame_time={self.frame_time}, '
                f'cache_dir={self.cache_dir!r}, max_pixels={self.max_pixels})')


@TRANSFORMS.register_module()
class LoadAudio(BaseTransform):
    """Decode a mono audio window at a fixed sample rate.

    Reads ``audio_path`` when present, otherwise the audio track of ``video_path``.
    A window shorter than ``duration`` but at least ``min_duration`` is tiled to
    ``duration`` (as SSL-TIE tiles every clip to 10 s); anything shorter, or a window
    whose peak is below ``silence_threshold``, raises :class:`MediaError`, which a
    training dataset skips and counts. With ``keep_silent_and_short`` both are
    kept, as the public SSL-TIE code trains on them: a short window is tiled like
    any other, and an all-zero one stays zeros (:class:`AudioToSpectrogram` turns it
    into the dB floor, -100 everywhere, as torchaudio's ``AmplitudeToDB`` does).
    A window with no samples at all is a :class:`MediaError` either way: there is
    nothing to tile (the public code divides by its length and stops).

    Only the window is decoded. A mono or stereo PCM wav is read with Python's
    ``wave`` module, the window's bytes only; any other file with FFmpeg through
    PyAV, from a seek before the window (mp4, wav, flac) or from the start (mp3)
    to the window's end. The samples are those of decord's ``AudioReader(path,
    sample_rate=sample_rate, mono=True)``, the loader before: bit-identical for PCM
    wav and flac; within 1e-6 for AAC and mp3, whose decoders differ between FFmpeg
    versions. Two known differences, both tested:

    * A file at another rate is resampled by the same libswresample resampler, but
      continuously; decord flushes it after the first decoded packet, which
      inserts a few mirrored source samples there and delays the rest of its
      output (by 23 source samples, 1 ms, for 22.05 kHz to 16 kHz).
    * In an AAC track, bands the encoder coded as noise (perceptual noise
      substitution, which FFmpeg's own encoder uses) decode after a seek to
      another draw of noise of the same energy than when decoded from the start.
      Windows from less than 0.5 s in are decoded from the start; others are
      not.

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
        keep_silent_and_short (bool): Keep windows shorter than ``min_duration`` or
            quieter than ``silence_threshold`` instead of raising. Defaults to False
            (SSL-TIE's paper configs set True for training).

    A dataset may set the window per clip: ``results['audio_offset']`` replaces
    ``offset`` and ``results['audio_keep']`` caps the kept seconds (AVSBench pairs
    frame k with second k of its clip). ``results['audio_substitute']``, 'silence'
    or 'noise', replaces the window's samples by that control's waveform of the same
    length (:func:`~avloc.structures.substitute_waveform`, seeded by
    ``results['audio_substitute_seed']``): the negative-audio controls, which the
    silence and shortness checks do not apply to.
    """

    def __init__(self, sample_rate: int = 16000, duration: Optional[float] = 10.0,
                 offset: float = 0.0, min_duration: float = 0.5,
                 silence_threshold: float = 1e-4,
                 keep_duration: Optional[float] = None,
                 keep_silent_and_short: bool = False) -> None:
        self.sample_rate = sample_rate
        self.duration = duration
        self.offset = offset
        self.min_duration = min_duration
        self.silence_threshold = silence_threshold
        self.keep_duration = keep_duration
        self.keep_silent_and_short = keep_silent_and_short

    def _decode(self, path: str, start: int, count: Optional[int]) -> np.ndarray:
        """(N,) float32 samples ``start:start + count`` of ``path`` (to the end if
        ``count`` is None); fewer where the audio ends first."""
        require_file(path)
        return read_window(path, self.sample_rate, start, count)

    def transform(self, results: dict) -> dict:
        substitute = results.get('audio_substitute')
        if substitute is not None and self.duration is not None:
            # a fixed-length window: the control's waveform needs no decoding
            length = int(round(self.duration * self.sample_rate))
            results['audio'] = substitute_waveform(substitute, length,
                                                   results.get('audio_substitute_seed', 0))
            results['sample_rate'] = self.sample_rate
            return results
        path = audio_source(results)
        offset = results.get('audio_offset', self.offset)
        start = int(round(offset * self.sample_rate))
        if start < 0:
            raise ValueError(f'{path}: audio offset {offset}s is negative')
        keep = [k for k in (self.keep_duration, results.get('audio_keep')) if k is not None]
        keep = [int(round(k * self.sample_rate)) for k in keep]
        if self.duration is None:
            # The untiled rest of the file; with a cap, the rest's length is needed
            # to tile the kept part back to it, so the whole rest is decoded.
            window = self._decode(path, start, None)
            length = len(window)
            window = window[:min([length] + keep)]
        else:
            length = int(round(self.duration * self.sample_rate))
            window = self._decode(path, start, min([length] + keep))
        keep_anything = self.keep_silent_and_short or substitute is not None
        short = len(window) < self.min_duration * self.sample_rate
        if not len(window) or (short and not keep_anything):
            raise MediaError(
                f'{path}: {len(window) / self.sample_rate:.2f}s of audio from '
                f'{offset}s, need at least {self.min_duration}s')
        if not keep_anything and np.abs(window).max() < self.silence_threshold:
            raise MediaError(f'{path}: the audio is silent '
                             f'(peak below {self.silence_threshold})')
        if len(window) < length:
            window = np.tile(window, -(-length // len(window)))[:length]
        if substitute is not None:
            window = substitute_waveform(substitute, len(window),
                                         results.get('audio_substitute_seed', 0))
        results['audio'] = window
        results['sample_rate'] = self.sample_rate
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sample_rate={self.sample_rate}, '
                f'duration={self.duration}, offset={self.offset}, '
                f'min_duration={self.min_duration}, '
                f'silence_threshold={self.silence_threshold}, '
                f'keep_duration={self.keep_duration}, '
                f'keep_silent_and_short={self.keep_silent_and_short})')


@TRANSFORMS.register_module()
class LoadGroundTruthMask(FrameTransform):
    """Read a binary ground-truth mask image (AVSBench) from ``gt_mask_path`` into
    ``gt_mask`` (H, W) uint8, 1 where the sound source is. The mask stays at its
    file's resolution: the metric resizes it to the evaluation grid.

    The pixels are ``cv2.imread``'s; Pillow reads the header first, so a mask of
    more than ``max_pixels`` pixels (or a format Pillow does not know) is a
    :class:`MediaError` before anything is decoded.

    Args:
        max_pixels (int): The largest mask to decode, in pixels. Defaults to
            :data:`MAX_PIXELS` (4096 x 4096).
    """

    def __init__(self, max_pixels: int = MAX_PIXELS) -> None:
        self.max_pixels = max_pixels

    def transform(self, results: dict) -> dict:
        mask = read_mask(results['gt_mask_path'], self.max_pixels)
        results['gt_mask'] = (mask > 0).astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(max_pixels={self.max_pixels})'
