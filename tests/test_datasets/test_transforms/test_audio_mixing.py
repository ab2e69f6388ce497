import os

import numpy as np
import pytest

from avloc.datasets.transforms import LoadAudio, MixAudio
from avloc.fileio import write_wav

LOADER = dict(type='LoadAudio', sample_rate=16000, duration=1.0)


@pytest.fixture
def wavs(tmp_path, tone):
    paths = []
    for i, freq in enumerate((300, 900)):
        path = str(tmp_path / f'clip{i}.wav')
        write_wav(path, 0.5 * np.sin(2 * np.pi * freq * np.arange(16000) / 16000), 16000)
        paths.append(path)
    return paths


def write_state(path, sources, prob, weight):
    np.savez(path, sources=np.array(sources), prob=prob, weight=weight)


def clip(path, index):
    return LoadAudio(duration=1.0)(dict(audio_path=path, sample_idx=index))


def test_mixes_with_the_neighbour_named_in_the_table(tmp_path, wavs):
    state = str(tmp_path / 'mix.npz')
    write_state(state, [wavs[1], wavs[0]], prob=1.0, weight=0.3)
    mixed = MixAudio(LOADER, state_file=state)(clip(wavs[0], 0))
    own, neighbour = clip(wavs[0], 0)['audio'], clip(wavs[1], 1)['audio']
    np.testing.assert_allclose(mixed['audio'], 0.7 * own + 0.3 * neighbour, atol=1e-6)
    assert mixed['mixed_with'] == wavs[1]


def test_passes_through_without_a_table_or_when_not_drawn(tmp_path, wavs):
    own = clip(wavs[0], 0)['audio']
    no_table = MixAudio(LOADER, state_file=str(tmp_path / 'absent.npz'))
    np.testing.assert_array_equal(no_table(clip(wavs[0], 0))['audio'], own)
    state = str(tmp_path / 'mix.npz')
    write_state(state, [wavs[1], wavs[0]], prob=0.0, weight=0.3)
    np.testing.assert_array_equal(MixAudio(LOADER, state)(clip(wavs[0], 0))['audio'], own)


def test_rereads_the_table_when_the_hook_rewrites_it(tmp_path, wavs):
    state = str(tmp_path / 'mix.npz')
    write_state(state, [wavs[1], wavs[0]], prob=1.0, weight=0.1)
    mixer = MixAudio(LOADER, state_file=state)
    first = mixer(clip(wavs[0], 0))['audio']
    write_state(state, [wavs[1], wavs[0]], prob=1.0, weight=0.5)
    os.utime(state, ns=(0, os.stat(state).st_mtime_ns + 10**9))  # a later epoch
    second = mixer(clip(wavs[0], 0))['audio']
    own, neighbour = clip(wavs[0], 0)['audio'], clip(wavs[1], 1)['audio']
    np.testing.assert_allclose(first, 0.9 * own + 0.1 * neighbour, atol=1e-6)
    np.testing.assert_allclose(second, 0.5 * own + 0.5 * neighbour, atol=1e-6)


def test_clip_missing_from_the_table(tmp_path, wavs):
    state = str(tmp_path / 'mix.npz')
    write_state(state, [wavs[1]], prob=1.0, weight=0.1)
    with pytest.raises(IndexError, match='no neighbour for clip 5'):
        MixAudio(LOADER, state_file=state)(clip(wavs[0], 5))
