"""What arrays the inference API takes, checked before anything runs.

- A frame is (H, W, 3) uint8 in **RGB** order. A pixel array does not say its
  channel order, and OpenMMLab readers (``mmcv.imread``, ``cv2.imread``) give BGR,
  which moves the heatmap's peak: :class:`~avloc.apis.LocalizerInferencer` asks
  for ``channel_order`` whenever it is given an array, and converts BGR.
- Audio is (N,) mono floating point in **[-1, 1]** (what decoders give for 16-bit
  PCM divided by 32768). Integer samples, or floats beyond that range (int16-scale
  audio cast to float), are refused: the model would hear a different sound.
"""
import os
from typing import Optional

import numpy as np

CHANNEL_ORDERS = ('rgb', 'bgr')
#: Floats a little beyond full scale occur (resampling overshoot); int16-scale audio
#: reaches thousands.
AUDIO_LIMIT = 1.0 + 1e-3


def checked_frame(frame: np.ndarray, name: str = 'frame',
                  channel_order: Optional[str] = 'rgb') -> np.ndarray:
    """``frame`` as (H, W, 3) uint8 RGB.

    Args:
        frame (np.ndarray): (H, W, 3) uint8.
        name (str): How errors name it. Defaults to 'frame'.
        channel_order (str, optional): ``'rgb'`` or ``'bgr'`` (then converted);
            None refuses the array, for callers that must be told. Defaults to 'rgb'.

    Raises:
        ValueError: A path, not an (H, W, 3) uint8 array, or no or an unknown
            channel order.
    """
    _refuse_path(frame, name)
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f'{name}: a frame must be an (H, W, 3) uint8 array, got shape '
                         f'{frame.shape} {frame.dtype}')
    if channel_order is None:
        raise ValueError(f"{name}: an array does not say its channel order: pass "
                         f"channel_order='rgb', or 'bgr' for one from cv2.imread or "
                         f"mmcv.imread")
    if channel_order not in CHANNEL_ORDERS:
        raise ValueError(f'{name}: channel_order must be one of {CHANNEL_ORDERS}, got '
                         f'{channel_order!r}')
    return np.ascontiguousarray(frame[..., ::-1] if channel_order == 'bgr' else frame)


def checked_audio(audio: np.ndarray, name: str = 'audio') -> np.ndarray:
    """``audio`` as (N,) float32, mono samples in [-1, 1].

    Raises:
        ValueError: Not one-dimensional, not floating point, not finite, or beyond
            [-1, 1] (the message gives the fix).
    """
    _refuse_path(audio, name)
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f'{name}: audio must be mono, shape (N,), got {audio.shape}; '
                         'average the channels first, e.g. audio.mean(axis=0)')
    if not np.issubdtype(audio.dtype, np.floating):
        raise ValueError(f'{name}: audio must be floating point in [-1, 1], got '
                         f'{audio.dtype} samples; for 16-bit PCM divide by 32768')
    if audio.size and not np.isfinite(audio).all():
        raise ValueError(f'{name}: audio holds NaN or infinite samples')
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > AUDIO_LIMIT:
        raise ValueError(f'{name}: audio must be in [-1, 1], its largest sample is '
                         f'{peak:g}; int16-scale samples must be divided by 32768')
    return audio.astype(np.float32, copy=False)


def _refuse_path(value, name: str) -> None:
    if isinstance(value, (str, bytes, os.PathLike)):
        raise ValueError(f'{name}: {value!r} is a path, and this function takes arrays; '
                         'LocalizerInferencer reads files')
