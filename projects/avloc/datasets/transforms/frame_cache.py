"""Frames decoded from videos, kept as lossless PNGs so that later epochs read them
instead of decoding the video again."""
import hashlib
import os
import os.path as osp
from typing import Callable, Optional

import cv2
import numpy as np


class FrameCache:
    """A folder of decoded frames, one PNG per (video, size, mtime, frame time).

    Reaching a frame in the middle of an H.264 clip decodes every reference frame
    since the last keyframe (tens of milliseconds); reading the PNG takes about one.
    The PNG is lossless, so a cached frame equals the decoded one. A changed video
    (size or modification time) gets a new entry; a file is written under a
    temporary name and renamed, so concurrent workers and interrupted runs never
    leave a partial frame; an unreadable entry is decoded and written again.

    Args:
        root: The cache folder (created when needed).
    """

    def __init__(self, root: str) -> None:
        self.root = root

    def path(self, video: str, frame_time: Optional[float]) -> str:
        """Where the frame of ``video`` at ``frame_time`` (None: the middle) goes."""
        stat = os.stat(video)
        key = f'{osp.abspath(video)}|{stat.st_size}|{stat.st_mtime_ns}|{frame_time}'
        digest = hashlib.sha1(key.encode()).hexdigest()
        return osp.join(self.root, digest[:2], f'{digest}.png')

    def get(self, video: str, frame_time: Optional[float],
            decode: Callable[[str], np.ndarray]) -> np.ndarray:
        """The (H, W, 3) uint8 RGB frame, from the cache or ``decode(video)``."""
        entry = self.path(video, frame_time)
        bgr = cv2.imread(entry, cv2.IMREAD_COLOR) if osp.exists(entry) else None
        if bgr is not None:
            return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        frame = decode(video)
        os.makedirs(osp.dirname(entry), exist_ok=True)
        tmp = f'{entry}.{os.getpid()}.tmp.png'
        if cv2.imwrite(tmp, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            os.replace(tmp, entry)
        return frame
