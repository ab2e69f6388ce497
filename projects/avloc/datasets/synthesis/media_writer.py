"""Write frames and audio as real media files (H.264 + AAC in MP4, or PCM WAV)."""
import os
import wave
from fractions import Fraction
from typing import Optional

import numpy as np


def write_video(path: str, frames: np.ndarray, fps: int, audio: Optional[np.ndarray],
                sample_rate: int, crf: int = 18) -> None:
    """Encode ``frames`` (T, H, W, 3) uint8 RGB as H.264 and ``audio`` (N,) float in
    [-1, 1] as mono AAC into an MP4 file. ``audio=None`` writes a video-only file.

    The file is written under a temporary name and renamed, so an interrupted run
    never leaves a truncated file behind.
    """
    import av
    tmp = f'{path}.partial.mp4'
    with av.open(tmp, mode='w') as container:
        video = container.add_stream('libx264', rate=fps)
        video.width, video.height = frames.shape[2], frames.shape[1]
        video.pix_fmt = 'yuv420p'
        video.options = {'crf': str(crf), 'preset': 'veryfast'}
        if audio is not None:
            sound = container.add_stream('aac', rate=sample_rate, layout='mono')
        for frame in frames:
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if audio is not None:
            samples = np.clip(audio, -1, 1).astype(np.float32)[None]  # (1, N) planar
            chunk = 1024
            for start in range(0, samples.shape[1], chunk):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(samples[:, start:start + chunk]), format='fltp',
                    layout='mono')
                frame.sample_rate = sample_rate
                frame.pts = start
                frame.time_base = Fraction(1, sample_rate)
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    os.replace(tmp, path)


def write_wav(path: str, audio: np.ndarray, sample_rate: int) -> None:
    """Write ``audio`` (N,) float in [-1, 1] as 16-bit mono PCM WAV."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype('<i2')
    with wave.open(path, 'wb') as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
