"""A terminal progress bar for the ``on_frame(done, total)`` callbacks of
:func:`~avloc.apis.overlay_video`."""
from typing import Callable

from mmengine.utils import ProgressBar


def frame_progress() -> Callable[[int, int], None]:
    """An ``on_frame(done, total)`` that draws MMEngine's progress bar with its ETA.

    The bar starts at the first call, which :func:`~avloc.apis.overlay_video` makes
    with ``done=0`` before decoding, so its rate counts the work from the start
    (a bar started at the first finished frame shows a rate of thousands per
    second). A ``total`` of 0 (not known) counts frames without an ETA.
    """
    bar = None

    def on_frame(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = ProgressBar(total)
            if done == 0:
                return
        bar.update()
    return on_frame
