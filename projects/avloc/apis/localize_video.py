"""Localising the sound in every frame of a video file.

    for time, frame, heatmap in localize_video(model, 'clip.mp4'):
        ...  # (H, W, 3) uint8 RGB, (H, W) float32 in [0, 1]
"""
from fractions import Fraction
from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch

from avloc.datasets.transforms.audio_window import decode_window
from avloc.datasets.transforms.media_error import MediaError
from .localize import InferencePipeline, localize_packed


class _RGB:
    """Decoded video frames to (H, W, 3) uint8 RGB, converted as LoadFrame converts
    them (libavfilter's ``scale`` into rgb24, which reads each frame's colour matrix
    and range), with one filter graph for the whole video instead of one per frame."""

    def __init__(self, stream) -> None:
        self.stream, self.graph, self.key = stream, None, None

    def __call__(self, frame) -> np.ndarray:
        key = (frame.width, frame.height, frame.format.name)
        if key != self.key:
            import av
            graph = av.filter.Graph()
            chain = [graph.add_buffer(width=frame.width, height=frame.height,
                                      format=frame.format, time_base=self.stream.time_base),
                     graph.add('scale', f'{frame.width}:{frame.height}'),
                     graph.add('format', 'rgb24'), graph.add('buffersink')]
            for upstream, downstream in zip(chain, chain[1:]):
                upstream.link_to(downstream)
            graph.configure()
            self.graph, self.key = graph, key
        self.graph.push(frame)
        return self.graph.pull().to_ndarray()


def video_info(path: str) -> dict:
    """``fps`` (Fraction), ``duration`` (s), ``width``, ``height`` and an estimate
    of ``num_frames`` of a video's first video stream.

    Raises:
        MediaError: Unreadable file or no video stream.
    """
    import av
    try:
        container = av.open(path)
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise MediaError(f'{path}: not a readable video ({err})') from err
    with container:
        if not container.streams.video:
            raise MediaError(f'{path}: has no video stream')
        stream = container.streams.video[0]
        fps = stream.average_rate or stream.guessed_rate or Fraction(25)
        if stream.duration is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / 1e6
        num_frames = stream.frames or int(round(duration * fps))
        return dict(fps=Fraction(fps), duration=duration, width=stream.width,
                    height=stream.height, num_frames=num_frames)


def _frames(path: str, fps: Optional[float]) -> Iterator[Tuple[float, np.ndarray]]:
    """(time in s from the stream's start, (H, W, 3) uint8 RGB) per frame, or per
    output frame at ``fps`` (the first frame at or after each tick; frames are
    dropped, never repeated)."""
    import av
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = 'AUTO'  # frame threads: decoding is not the model's core
        rgb, start, next_tick, index = _RGB(stream), stream.start_time or 0, 0.0, 0
        try:
            for frame in container.decode(stream):
                time = (float((frame.pts - start) * stream.time_base)
                        if frame.pts is not None else index / float(stream.average_rate))
                index += 1
                if fps is not None:
                    if time + 1e-6 < next_tick:
                        continue
                    next_tick += 1 / fps
                yield time, rgb(frame)
        except av.error.FFmpegError as err:
            raise MediaError(f'{path}: video frame {index} does not decode ({err})') from err


def localize_video(model: torch.nn.Module, path: str, fps: Optional[float] = None,
                   batch_size: int = 8, window: Optional[float] = None
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

    Yields:
        tuple: ``time`` (s), ``frame`` (H, W, 3) uint8 RGB and ``heatmap`` (H, W)
        float32 in [0, 1] (:func:`localize`).

    Raises:
        MediaError: Unreadable file, no video stream, or no (or too short) audio.
    """
    video_info(path)  # the video stream exists
    pipeline = InferencePipeline(model.cfg, silence_threshold=0.0)
    rate = pipeline.sample_rate
    audio = decode_window(path, rate, 0, None)  # MediaError without an audio stream
    window = window or pipeline.window or len(audio) / rate
    if len(audio) < pipeline.load_audio.min_duration * rate:
        raise MediaError(f'{path}: {len(audio) / rate:.2f}s of audio, need at least '
                         f'{pipeline.load_audio.min_duration}s')
    return _localize_frames(model, pipeline, audio, _frames(path, fps), batch_size, window)


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
