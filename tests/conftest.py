"""Shared fixtures: tiny media and a tiny AVShapes dataset, generated per session."""
import numpy as np
import pytest

from avloc.datasets.synthesis import AVShapesSettings, generate_avshapes

TINY = dict(num_train=40, num_val=8, num_test=12, seed=3, frame_size=64)


@pytest.fixture(scope='session')
def tiny_avshapes(tmp_path_factory) -> str:
    """A finished 60-clip AVShapes dataset with 64x64 frames."""
    root = str(tmp_path_factory.mktemp('avshapes'))
    generate_avshapes(root, AVShapesSettings(**TINY), num_workers=1, progress=False)
    return root


@pytest.fixture
def tone() -> np.ndarray:
    """1 s of a 440 Hz tone at 16 kHz."""
    return (0.5 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype(np.float32)


@pytest.fixture
def frame() -> np.ndarray:
    """A (48, 64, 3) RGB test frame: smooth gradients (so lossy codecs keep it) with
    distinct values everywhere."""
    yy, xx = np.mgrid[:48, :64]
    return np.stack([xx * 4, yy * 5, 255 - (xx + yy) * 2], axis=-1).astype(np.uint8)
