import json
import os

import numpy as np
import pytest

from avloc.datasets import AVShapesDataset
from avloc.datasets.synthesis import AVShapesSettings, generate_avshapes, synthesize_clip
from avloc.datasets.synthesis.sounds import SOUNDS
from avloc.datasets.transforms import LoadAudio, LoadFrame


def test_clips_are_deterministic_and_complete():
    settings = AVShapesSettings()
    counts = []
    for index in range(60):
        frame, audio, ann = synthesize_clip(settings, index)
        again = synthesize_clip(settings, index)
        np.testing.assert_array_equal(frame, again[0])
        assert ann == again[2]
        classes = [o['class'] for o in ann['objects']]
        assert len(set(classes)) == len(classes)  # distinct classes, none dropped
        assert sum(o['sounding'] for o in ann['objects']) == 1
        assert ann['distractor'] not in classes
        x1, y1, x2, y2 = ann['bbox'][0]
        assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
        counts.append(len(classes))
        assert audio.shape == (16000,) and np.abs(audio).max() <= 0.9 + 1e-6
    assert set(counts) == {2, 3}


def test_sound_identifies_the_sounding_class():
    """The loudest spectral peak sits near the sounding class's fundamental or one
    of its partials, so the audio carries the class."""
    settings = AVShapesSettings(snr_db_range=(30.0, 30.0), distractor_prob=0.0)
    names = ('circle', 'square', 'triangle', 'star', 'cross', 'ring', 'diamond', 'hexagon')
    for index in range(10):
        _, audio, ann = synthesize_clip(settings, index)
        f0 = SOUNDS[names.index(ann['class'])][0]
        spectrum = np.abs(np.fft.rfft(audio))
        peak = np.argmax(spectrum)  # 1 Hz bins
        ratios = peak / f0
        assert min(abs(ratios - r) for r in (1, 1.5, 2, 2.76, 3, 5.4)) < 0.1, (peak, f0)


def test_generated_layout_and_resume(tiny_avshapes, tmp_path):
    names = sorted(os.listdir(os.path.join(tiny_avshapes, 'video')))
    assert len(names) == 60 and names[0] == 'avshapes_000000.mp4'
    with open(os.path.join(tiny_avshapes, 'vggss.json')) as f:
        anns = json.load(f)
    assert len(anns) == 60
    assert len(open(os.path.join(tiny_avshapes, 'test.txt')).read().split()) == 12
    frame = LoadFrame()(dict(video_path=os.path.join(tiny_avshapes, 'video', names[0])))
    assert frame['img'].shape == (64, 64, 3)
    assert LoadAudio(duration=1.0)(dict(
        video_path=os.path.join(tiny_avshapes, 'video', names[0])))['audio'].shape == (16000,)
    # Other settings in the same folder are refused, never mixed.
    with pytest.raises(ValueError, match='generated with other settings'):
        generate_avshapes(tiny_avshapes, AVShapesSettings(num_train=1), progress=False)


def test_interrupted_generation_resumes(tmp_path):
    settings = AVShapesSettings(num_train=3, num_val=1, num_test=1, frame_size=32)
    generate_avshapes(str(tmp_path), settings, num_workers=1, progress=False)
    first = open(tmp_path / 'vggss.json').read()
    os.remove(tmp_path / '.complete')
    os.remove(tmp_path / 'video' / 'avshapes_000001.mp4')
    kept = os.path.getmtime(tmp_path / 'video' / 'avshapes_000000.mp4')
    generate_avshapes(str(tmp_path), settings, num_workers=1, progress=False)
    assert os.path.exists(tmp_path / 'video' / 'avshapes_000001.mp4')
    assert os.path.getmtime(tmp_path / 'video' / 'avshapes_000000.mp4') == kept
    assert open(tmp_path / 'vggss.json').read() == first


def test_dataset_generates_when_missing(tmp_path):
    from mmengine.registry import init_default_scope
    init_default_scope('avloc')
    root = str(tmp_path / 'new')
    ds = AVShapesDataset(data_root=root, ann_file='val.txt', pipeline=[],
                         generator=dict(num_train=2, num_val=2, num_test=1, frame_size=32,
                                        num_workers=1))
    assert len(ds) == 2 and ds.metainfo['classes'][0] == 'circle'
    with pytest.raises(FileNotFoundError, match='no finished AVShapes'):
        AVShapesDataset(data_root=str(tmp_path / 'other'), ann_file='val.txt',
                        generate_if_missing=False)
