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


def test_v1_is_the_default_and_unchanged():
    """The version switch leaves v1 bit for bit (hashes of HEAD's generator before
    the switch existed, for two settings)."""
    import hashlib
    assert AVShapesSettings().version == 'v1'
    for index, kwargs, md5 in ((0, {}, 'cf73ccb1eeb0a799ecc9595d2a549a9f'),
                               (7, dict(frame_size=64, seed=3),
                                '7a67b1c2d1194dc3500779cd9a5485cc')):
        frame, audio, _ = synthesize_clip(AVShapesSettings(version='v1', **kwargs), index)
        assert hashlib.md5(frame.tobytes() + audio.tobytes()).hexdigest() == md5
    with pytest.raises(ValueError, match="'v1' or 'v2'"):
        synthesize_clip(AVShapesSettings(version='v3'), 0)


V2 = dict(version='v2', frame_size=64, side_range=(0.52, 0.66))


def _v2_clips(num: int):
    return [synthesize_clip(AVShapesSettings(**V2), i) for i in range(num)]


def test_v2_clips_are_deterministic_and_complete():
    counts = []
    for index in range(30):
        frame, audio, ann = synthesize_clip(AVShapesSettings(**V2), index)
        again = synthesize_clip(AVShapesSettings(**V2), index)
        np.testing.assert_array_equal(frame, again[0])
        np.testing.assert_array_equal(audio, again[1])
        assert ann == again[2] and frame.shape == (64, 64, 3)
        objects = ann['objects']
        assert len({o['class'] for o in objects}) == len(objects)
        assert sum(o['sounding'] for o in objects) == 1
        assert ann['distractor'] not in {o['class'] for o in objects}
        for o in objects:
            x1, y1, x2, y2 = o['bbox']
            assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
            assert set(o) >= {'colour', 'texture', 'side'}
        counts.append(len(objects))
    assert set(counts) == {2, 3}
    other_seed = synthesize_clip(AVShapesSettings(**dict(V2, seed=1)), 0)[0]
    assert not np.array_equal(other_seed, synthesize_clip(AVShapesSettings(**V2), 0)[0])


def test_v2_class_is_not_colour_and_sounding_is_not_marked():
    """Every class comes in every hue range; every class is heard in some clips and
    seen silent in others; the sounding object is any of the objects, with the size
    of the silent ones."""
    import cv2
    hues, heard, silent, first, sides = {}, set(), set(), [], {True: [], False: []}
    for _, _, ann in _v2_clips(160):
        for i, o in enumerate(ann['objects']):
            rgb = np.array([[o['colour']]], np.uint8)
            hues.setdefault(o['class'], []).append(
                int(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[0, 0, 0]) // 30)  # 6 bins
            (heard if o['sounding'] else silent).add(o['class'])
            sides[o['sounding']].append(o['side'])
            if o['sounding']:
                first.append(i == 0)
    assert len(hues) == 8
    for cls, bins in hues.items():
        assert len(set(bins)) >= 4, (cls, bins)  # colours of a class overlap the others'
    assert heard == silent == set(hues)
    assert 0.25 < np.mean(first) < 0.6  # not always the first-placed object (as in v1)
    assert abs(np.mean(sides[True]) - np.mean(sides[False])) < 0.02


def test_v2_defaults_are_unchanged():
    """The v2_* knobs at their defaults make v2 as first defined (hashes of the
    generator before the knobs existed)."""
    import hashlib
    for index, kwargs, md5 in ((0, dict(version='v2'), '258fc8aed7085efbc1e269ba55e9e0e2'),
                               (5, dict(V2, seed=2), '8b3989ec117ea5ec3715374cdaa8f9ec')):
        frame, audio, _ = synthesize_clip(AVShapesSettings(**kwargs), index)
        assert hashlib.md5(frame.tobytes() + audio.tobytes()).hexdigest() == md5


def test_v2_knobs_ease_one_change_each():
    solid = [o['texture'] for _, _, ann in (
        synthesize_clip(AVShapesSettings(**V2, v2_textures=('solid',)), i) for i in range(10))
        for o in ann['objects']]
    assert set(solid) == {'solid'}
    # No clutter, no background texture, no camera: outside the objects the frame is
    # one flat colour.
    plain = AVShapesSettings(**V2, v2_clutter=(0, 0), v2_background_contrast=0.0,
                             v2_camera=False)
    frame, _, ann = synthesize_clip(plain, 0)
    outside = np.ones(frame.shape[:2], bool)
    for o in ann['objects']:
        x1, y1, x2, y2 = (np.array(o['bbox']) * frame.shape[0]).round().astype(int)
        outside[y1:y2, x1:x2] = False
    assert outside.any() and len(np.unique(frame[outside], axis=0)) == 1
    textured = synthesize_clip(AVShapesSettings(**V2), 0)[0]
    assert len(np.unique(textured.reshape(-1, 3), axis=0)) > 100
    with pytest.raises(ValueError, match='textures'):
        synthesize_clip(AVShapesSettings(**V2, v2_textures=('plaid',)), 0)


def test_v1_folders_without_the_version_field_still_match(tmp_path):
    settings = AVShapesSettings(num_train=1, num_val=1, num_test=1, frame_size=32)
    generate_avshapes(str(tmp_path), settings, num_workers=1, progress=False)
    meta_path = tmp_path / 'avshapes_meta.json'
    meta = json.loads(meta_path.read_text())
    for key in ('version', 'v2_textures', 'v2_clutter', 'v2_background_contrast',
                'v2_camera'):
        del meta[key]  # as written before these settings existed
    meta_path.write_text(json.dumps(meta))
    generate_avshapes(str(tmp_path), settings, num_workers=1, progress=False)
    with pytest.raises(ValueError, match='generated with other settings'):
        generate_avshapes(str(tmp_path), AVShapesSettings(**dict(
            vars(settings), version='v2')), num_workers=1, progress=False)
