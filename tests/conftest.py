"""Shared fixtures: tiny media and a tiny AVShapes dataset, generated per session."""
import threading
from typing import Iterator

import cv2
import numpy as np
import pytest
from local_http import FileServer

from avloc.datasets.synthesis import AVShapesSettings, generate_avshapes
from avloc.fileio import write_wav

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


def stepped_audio(seconds=5, rate=16000):
    """Second k (1-based) is a tone of amplitude k / 10, so a slice names itself."""
    t = np.arange(rate) / rate
    return np.concatenate([k / 10 * np.sin(2 * np.pi * 440 * t) for k in
                           range(1, seconds + 1)]).astype(np.float32)


@pytest.fixture
def avsbench_s4(tmp_path):
    """An AVSBench-S4-layout test set: video vid0 of class dog, frames 1 and 2 (grey
    at 40 k, masks covering the left half) and s4_test.csv listing them."""
    root, video, cls, frames = tmp_path, 'vid0', 'dog', (1, 2)
    for kind in ('visual_frames', 'gt_masks'):
        (root / kind / 'test' / cls / video).mkdir(parents=True, exist_ok=True)
    (root / 'audio_wav' / 'test' / cls).mkdir(parents=True, exist_ok=True)
    for k in frames:
        cv2.imwrite(str(root / 'visual_frames' / 'test' / cls / video / f'{video}_{k}.png'),
                    np.full((24, 32, 3), 40 * k, np.uint8))
        mask = np.zeros((24, 32), np.uint8)
        mask[:, :16] = 255
        cv2.imwrite(str(root / 'gt_masks' / 'test' / cls / video / f'{video}_{k}.png'), mask)
    write_wav(str(root / 'audio_wav' / 'test' / cls / f'{video}.wav'), stepped_audio(), 16000)
    lines = [f'{video}_{k},{cls}' for k in frames]
    (root / 's4_test.csv').write_text('\n'.join(lines))
    return root


@pytest.fixture
def server() -> Iterator[FileServer]:
    """A :class:`FileServer` running in a thread for one test."""
    srv = FileServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def hub(tmp_path, monkeypatch) -> str:
    """A throwaway torch hub cache, so that no test reads or writes the real one;
    returns its checkpoints folder."""
    from avloc.utils.download import cache_dir
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    assert cache_dir().startswith(str(tmp_path))
    return cache_dir()
