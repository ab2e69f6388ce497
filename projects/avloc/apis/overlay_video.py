"""A video with the heatmap over every frame and its audio muxed back: the body of
``tools/demo/video_demo.py`` and ``tools/demo/web_demo.py``.

    report = overlay_video(model, 'clip.mp4', 'clip_heat.mp4', side_by_side=True)
    report['frames_per_second']
"""
import time
from fractions import Fraction
from typing import Callable, Optional

import numpy as np
import torch

from avloc.fileio import MAX_PIXELS, VideoWriter, video_info
from avloc.visualization import check_overlay_settings, colour_bar_width, overlay_heatmap
from .localize_video import localize_video


def overlay_video(model: torch.nn.Module, video: str, out: str,
                  fps: Optional[float] = None, side_by_side: bool = False,
                  batch_size: int = 8,
                  on_frame: Optional[Callable[[int, int], None]] = None,
                  max_pixels: int = MAX_PIXELS, alpha: float = 0.5,
                  scale: str = 'fixed', colour_bar: bool = True,
                  on_heatmap: Optional[Callable[[float, np.ndarray, np.ndarray], None]] = None
                  ) -> dict:
    """Write ``out``: ``video`` with the heatmap blended over each frame, as H.264,
    and its first audio track as it was (copied; re-encoded as AAC with the same
    channels and rate where MP4 cannot hold its codec, :class:`VideoWriter`).

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
        on_frame (callable, optional): Called as ``on_frame(0, total)`` before the
            first frame is decoded, then ``on_frame(done, total)`` after each
            (``total`` is an estimate), for progress bars that time from the
            start. Defaults to None.
        max_pixels (int): The largest frame to decode, in pixels; a video with
            larger frames is refused before any is decoded. Defaults to
            :data:`MAX_PIXELS` (4096 x 4096).
        alpha (float): Heatmap weight in [0, 1]. Defaults to 0.5.
        scale (str): ``'fixed'``: every frame on one colour scale, cosine 0 to 1
            (:mod:`avloc.visualization.colour_scale`), so a flat map looks flat;
            ``'frame'``: each frame's map stretched over the colours.
            Defaults to 'fixed'.
        colour_bar (bool): A colour bar on the right (the video is wider by
            :func:`~avloc.visualization.colour_bar_width`). Defaults to True.
        on_heatmap (callable, optional): Called as ``on_heatmap(time, frame,
            heatmap)`` for each frame written (:func:`localize_video`'s triple,
            cut to even sizes), to keep the heatmaps. Defaults to None.

    Returns:
        dict: ``frames`` written, ``seconds`` taken and ``frames_per_second``.

    Raises:
        MediaError: An unreadable video, one with frames larger than
            ``max_pixels`` or without a decodable audio stream (before ``out`` is
            created).
        ValueError: ``alpha`` outside [0, 1] or an unknown ``scale`` (before
            anything is decoded).
    """
    check_overlay_settings(alpha, scale)  # before any work
    info = video_info(video, max_pixels)
    frames = localize_video(model, video, fps=fps, batch_size=batch_size,
                            max_pixels=max_pixels)  # checks the audio
    rate = Fraction(fps).limit_denominator(1001) if fps else info['fps']
    width, height = info['width'] // 2 * 2, info['height'] // 2 * 2
    out_width = (width * 2 if side_by_side else width) + (
        colour_bar_width(height) if colour_bar else 0)
    total = max(int(np.ceil(info['duration'] * fps)) if fps else info['num_frames'], 1)
    start, count = time.perf_counter(), 0
    if on_frame is not None:
        on_frame(0, total)
    with VideoWriter(out, rate, out_width, height, audio_from=video) as writer:
        for t, frame, heatmap in frames:
            frame, heatmap = frame[:height, :width], heatmap[:height, :width]
            if on_heatmap is not None:
                on_heatmap(t, frame, heatmap)
            shown = overlay_heatmap(frame, heatmap, alpha=alpha, scale=scale,
                                    with_colour_bar=colour_bar)
            if side_by_side:
                shown = np.concatenate([frame, shown], axis=1)
            writer.write(shown)
            count += 1
            if on_frame is not None:
                on_frame(count, total)
        writer.write_audio()
    seconds = time.perf_counter() - start
    return dict(frames=count, seconds=seconds,
                frames_per_second=round(count / max(seconds, 1e-9), 2))
