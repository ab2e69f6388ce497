"""Tiny generated media for the inference API and demo tests."""
import numpy as np

from avloc.fileio import write_video

RATE = 16000


def tiny_clip(path: str, seconds: float = 2.0, fps: int = 25, size=(48, 64),
              audio: bool = True) -> np.ndarray:
    """Write a (seconds * fps)-frame (h, w) = ``size`` H.264 video, with a tone
    whose loudness rises through the clip unless ``audio`` is False; returns the
    frames (T, h, w, 3) uint8 RGB."""
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (int(seconds * fps), *size, 3), dtype=np.uint8)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = (0.1 + 0.2 * t) * np.sin(2 * np.pi * 440 * t)
    write_video(path, frames, fps, tone.astype(np.float32) if audio else None, RATE)
    return frames
