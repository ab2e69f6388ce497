"""Video frames that show their own index, so a test can tell which source frame an
extraction kept, even after scaling and lossy JPEG coding."""
import numpy as np

H, W = 48, 64


def counter_frames(count: int) -> np.ndarray:
    """(count, 48, 64, 3) uint8 RGB; frame t shows t in binary as eight white (1) or
    black (0) 8-pixel blocks along the top, over a gradient that changes with t."""
    yy, xx = np.mgrid[:H, :W]
    frames = np.empty((count, H, W, 3), np.uint8)
    for t in range(count):
        frames[t] = np.stack([xx * 4, yy * 5, (255 - (xx + yy) * 2 + 7 * t) % 256], -1)
        for bit in range(8):
            frames[t, :8, bit * 8:bit * 8 + 8] = 255 * ((t >> bit) & 1)
    return frames


def read_counter(rgb: np.ndarray) -> int:
    """The index :func:`counter_frames` drew, read at the blocks' centres of a frame
    at any size (a squashed, lossy copy reads the same)."""
    h, w = rgb.shape[:2]
    grey = rgb.astype(int).mean(-1)
    return sum(int(grey[int(4 * h / H), int((8 * bit + 4) * w / W)] > 128) << bit
               for bit in range(8))
