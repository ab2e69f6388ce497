"""A video with the heatmap over every frame, its audio muxed back, and per-second
scores: the body of ``tools/demo/video_demo.py`` and ``tools/demo/web_demo.py``.

    report = overlay_video(model, 'clip.mp4', 'clip_heat.mp4', side_by_side=True)
    report['per_second']  # [dict(second=0, score=0.61, frames=25), ...]
"""
import time
from collections import defaultdict
from fractions import Fraction
from typing import Callable, Optional

import numpy as np
import torch

from avloc.fileio import MAX_PIXELS, VideoWriter, audio_sample_rate, video_info
from avloc.visualization.heatmap_overlay import overlay_heatmap
from .localize_video import localize_video

SCORE_MEANING = ('mean over the second of the heatmap peak: the best cosine '
                 'similarity of a location with the audio, (x + 1) / 2')


def overlay_video(model: torch.nn.Module, video: str, out: str,
                  fps: Optional[float] = None, side_by_side: bool = False,
                  batch_size: int = 8,
                  on_frame: Optional[Callable[[int, int], None]] = None,
                  max_pixels: int = MAX_PIXELS) -> dict:
    """Write ``out``: ``video`` with the heatmap blended over each frame, as H.264,
    and its first audio track re-encoded as AAC.

    The output keeps the input's resolution and frame rate (or ``fps``), upright
    (a phone's display matrix applied, as players and ``LoadFrame`` apply it);
    H.264 in yuv420p needs even sizes, so an odd width or height is cut by one
    pixel.

    Args:
        model: From :func:`init_localizer`.
        video: A video file with an audio stream.
        out: The output file (.mp4).
        fps (float, optional): Output frame rate; frames are dropped to reach
            it. Defaults to None (every frame).
        side_by_side (bool): The frame and its overlay next to each other
            (twice as wide). Defaults to False.
        batch_size (int): Frames per model call. Defaults to 8.
        on_frame (callable, optional): Called as ``on_frame(done, total)`` after
            each frame (``total`` is an estimate), for progress bars.
            Defaults to None.
        max_pixels (int): The largest frame to decode, in pixels; a video with
            larger frames is refused before any is decoded. Defaults to
            :data:`MAX_PIXELS` (4096 x 4096).

    Returns:
        dict: ``frames`` written, ``seconds`` taken, ``frames_per_second`` and
        ``per_second``: for each second of the video, ``second``, ``score`` (the
        mean over its frames of the heatmap's peak, in [0, 1]; about 0.5 means no
        location matches the audio) and ``frames``.

    Raises:
        MediaError: An unreadable video, one with frames larger than
            ``max_pixels`` or without a decodable audio stream (before ``out`` is
            created).
    """
    info = video_info(video, max_pixels)
    frames = localize_video(model, video, fps=fps, batch_size=batch_size,
                            max_pixels=max_pixels)  # checks the audio
    audio_rate = audio_sample_rate(video)
    rate = Fraction(fps).limit_denominator(1001) if fps else info['fps']
    width, height = info['width'] // 2 * 2, info['height'] // 2 * 2
    out_width = width * 2 if side_by_side else width
    total = max(int(np.ceil(info['duration'] * fps)) if fps else info['num_frames'], 1)
    peaks = defaultdict(list)
    start, count = time.perf_counter(), 0
    with VideoWriter(out, rate, out_width, height, audio_rate) as writer:
        for t, frame, heatmap in frames:
            frame, heatmap = frame[:height, :width], heatmap[:height, :width]
            peaks[int(t)].append(float(heatmap.max()))
            shown = overlay_heatmap(frame, heatmap)
            if side_by_side:
                shown = np.concatenate([frame, shown], axis=1)
            writer.write(shown)
            count += 1
            if on_frame is not None:
                on_frame(count, total)
        writer.copy_audio(video)
    seconds = time.perf_counter() - start
    scores = [dict(second=s, score=round(float(np.mean(v)), 4), frames=len(v))
              for s, v in sorted(peaks.items())]
    return dict(frames=count, seconds=seconds,
                frames_per_second=round(count / max(seconds, 1e-9), 2), per_second=scores)
