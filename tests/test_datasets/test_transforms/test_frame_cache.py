"""LoadFrame's frame cache: the cached frame is the decoded one, later reads do not
decode, and a changed or damaged entry is decoded again."""
import os

import numpy as np
import pytest

from avloc.datasets.transforms import LoadFrame
from avloc.datasets.transforms.frame_cache import FrameCache
from avloc.fileio import write_video


@pytest.fixture
def moving_video(tmp_path, tone):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (8, 48, 64, 3), dtype=np.uint8)
    path = str(tmp_path / 'clip.mp4')
    write_video(path, frames, 4, tone, 16000)
    return path


def load(transform, path):
    return transform(dict(video_path=path))['img']


def test_cached_frame_equals_the_decoded_one_and_skips_decoding(
        tmp_path, moving_video, monkeypatch):
    plain = load(LoadFrame(frame_time=1.0), moving_video)
    cached = LoadFrame(frame_time=1.0, cache_dir=str(tmp_path / 'cache'))
    first = load(cached, moving_video)
    np.testing.assert_array_equal(first, plain)
    assert len([f for _, _, fs in os.walk(tmp_path / 'cache') for f in fs]) == 1

    def no_decoding(path):
        raise AssertionError('decoded although cached')

    monkeypatch.setattr(cached, '_read_video_frame', no_decoding)
    np.testing.assert_array_equal(load(cached, moving_video), plain)
    # Another frame time is another entry.
    monkeypatch.undo()
    other = load(LoadFrame(frame_time=0.5, cache_dir=str(tmp_path / 'cache')), moving_video)
    np.testing.assert_array_equal(other, load(LoadFrame(frame_time=0.5), moving_video))


def test_a_changed_video_or_a_damaged_entry_is_decoded_again(tmp_path, moving_video, tone):
    cache_dir = str(tmp_path / 'cache')
    cached = LoadFrame(cache_dir=cache_dir)
    load(cached, moving_video)
    entry = FrameCache(cache_dir).path(moving_video, None)
    with open(entry, 'wb') as f:
        f.write(b'not a png')
    np.testing.assert_array_equal(load(cached, moving_video), load(LoadFrame(), moving_video))
    grey = np.full((6, 48, 64, 3), 90, np.uint8)
    os.remove(moving_video)
    write_video(moving_video, grey, 4, tone, 16000)
    assert abs(int(load(cached, moving_video).mean()) - 90) <= 2


def test_a_missing_video_is_named_even_with_a_cache(tmp_path):
    from avloc.datasets.transforms.loading import MediaError
    with pytest.raises((MediaError, FileNotFoundError), match='nope.mp4'):
        load(LoadFrame(cache_dir=str(tmp_path / 'c')), str(tmp_path / 'nope.mp4'))
