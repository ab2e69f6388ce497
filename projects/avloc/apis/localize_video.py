"""Localising the sound in every frame of a video file.

    for time, frame, heatmap in localize_video(model, 'clip.mp4'):
        ...  # (H, W, 3) uint8 RGB, (H, W) float32 in [0, 1]

Frames are read as ``LoadFrame`` reads them, so a demo shows what ``tools/test.py``
scores: upright (a phone's display matrix applied,
:class:`~avloc.fileio.UprightRGB`), in the same colours, and refused before
decoding when larger than ``max_pixels`` (:func:`~avloc.fileio.read_frames`).
"""
from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch

from avloc.fileio import MAX_PIXELS, MediaError, decode_window, read_frames, video_info
from .localize import InferencePipeline, localize_packed


def localize_video(model: torch.nn.Module, path: str, fps: Optional[float] = None,
                   batch_size: int = 8, window: Optional[float] = None,
                   max_pixels: int = MAX_PIXELS
                   ) -> Iterator[Tuple[float, np.ndarray, np.ndarray]]:
    """Heatmaps for a video's frames, each with the audio centred on it.

    The audio track is decoded once, at the config's LoadAudio rate. Frame ``t``
    gets the samples of ``[t - window / 2, t + window / 2]`` that exist (near the
    start and end of the track, fewer), which LoadAudio tiles to its ``duration``
    as it tiles a short clip; then the frame and window go through the test
    pipeline and the model in batches (:func:`localize`). Quiet stretches are
    localised too (LoadAudio's silence check is off); a video whose audio is
    shorter than LoadAudio's ``min_duration`` is refused.

    The file is checked when this is called; frames are decoded as the generator
    is consumed.

    Args:
        model: From :func:`init_localizer`.
        path: A video file with an audio stream.
        fps (float, optional): Output frames per second (frames are dropped to
            approach it). Defaults to None (every frame).
        batch_size (int): Frames per model call. Defaults to 8.
        window (float, optional): Seconds of audio per frame. Defaults to None:
            LoadAudio's ``keep_duration`` or else ``duration``, the real audio
            the model saw per clip in testing.
        max_pixels (int): The largest frame to decode, in pixels. Defaults to
            :data:`MAX_PIXELS` (4096 x 4096).

    Yields:
        tuple: ``time`` (s), ``frame`` (H, W, 3) uint8 RGB, upright, and
        ``heatmap`` (H, W) float32 in [0, 1] (:func:`localize`).

    Raises:
        MediaError: Unreadable file, no video stream, frames larger than
            ``max_pixels``, or no (or too short) audio.
    """
    video_info(path, max_pixels)  # the video stream exists and its frames fit
    pipeline = InferencePipeline(model.cfg, silence_threshold=0.0)
    rate = pipeline.sample_rate
    audio = decode_window(path, rate, 0, None)  # MediaError without an audio stream
    window = window or pipeline.window or len(audio) / rate
    if len(audio) < pipeline.load_audio.min_duration * rate:
        raise MediaError(f'{path}: {len(audio) / rate:.2f}s of audio, need at least '
                         f'{pipeline.load_audio.min_duration}s')
    return _localize_frames(model, pipeline, audio, read_frames(path, fps, max_pixels),
                            batch_size, window)


def _localize_frames(model, pipeline: InferencePipeline, audio: np.ndarray, frames,
                     batch_size: int, window: float):
    rate = pipeline.sample_rate
    min_len = int(np.ceil(pipeline.load_audio.min_duration * rate))
    batch: List[Tuple[float, np.ndarray, dict]] = []

    def flush():
        heatmaps = localize_packed(model, [packed for _, _, packed in batch])
        out = [(time, frame, heatmap) for (time, frame, _), heatmap in zip(batch, heatmaps)]
        batch.clear()
        return out

    for time, frame in frames:
        first = min(max(int(round((time - window / 2) * rate)), 0), len(audio) - 1)
        last = min(int(round((time + window / 2) * rate)), len(audio))
        if last - first < min_len:  # at the ends: LoadAudio's shortest usable window
            first = max(min(first, len(audio) - min_len), 0)
            last = max(last, min(first + min_len, len(audio)))
        # The real samples around the frame; LoadAudio tiles them to its duration.
        packed = pipeline(frame, audio, offset=first / rate, keep=(last - first) / rate)
        batch.append((time, frame, packed))
        if len(batch) == batch_size:
            yield from flush()
    if batch:
        yield from flush()
