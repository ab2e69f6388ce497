import json
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from avloc.datasets.avshapes import AVShapesDataset
from avloc.datasets.avshapes_instances import AVShapesInstancesDataset
from avloc.datasets.synthesis.scenes import SHAPES
from avloc.datasets.transforms import LoadAudio


def build(root, **kwargs):
    init_default_scope('avloc')
    kwargs.setdefault('ann_file', 'test.txt')
    return AVShapesInstancesDataset(data_root=root, generate_if_missing=False,
                                    test_mode=True, pipeline=[], **kwargs)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def test_every_object_of_a_test_frame_is_an_instance(tiny_avshapes):
    """On a generated test split, read independently of the dataset: one entry per
    object, with the object's box and class; the sounding object keeps its clip's
    audio, any other takes the first listed clip sounding its class whose
    distractor is not in the frame, and an object without one is counted."""
    ds = build(tiny_avshapes)
    test_ids = open(os.path.join(tiny_avshapes, 'test.txt')).read().split()
    entries = {e['file']: e for e in read_json(os.path.join(tiny_avshapes, 'vggss.json'))}
    expected, unmatched = [], []
    for clip in test_ids:
        objects = entries[clip]['objects']
        classes = {o['class'] for o in objects}
        for k, obj in enumerate(objects):
            exemplar = clip if obj['sounding'] else next(
                (other for other in test_ids if other != clip
                 and entries[other]['class'] == obj['class']
                 and entries[other]['distractor'] not in classes), None)
            if exemplar is None:
                unmatched.append(obj['class'])
            else:
                expected.append((clip, k, obj, exemplar))
    assert len(ds) == len(expected) > len(test_ids)
    for index, (clip, k, obj, exemplar) in enumerate(expected):
        info = ds.get_data_info(index)
        assert info['clip_id'] == f'{clip}#{k}' and info['instance_group'] == clip
        assert info['class_name'] == obj['class']
        assert info['gt_label'] == SHAPES.index(obj['class'])
        np.testing.assert_allclose(info['gt_bboxes'], [obj['bbox']])
        assert info['video_path'] == os.path.join(tiny_avshapes, 'video', clip + '.mp4')
        if exemplar == clip:
            assert 'audio_path' not in info and 'audio_clip_id' not in info
        else:
            assert info['audio_clip_id'] == exemplar
            assert info['audio_path'] == os.path.join(tiny_avshapes, 'video',
                                                      exemplar + '.mp4')
    meta = ds.metainfo
    assert meta['num_listed'] == len(test_ids) and meta['list_name'] == 'test.txt'
    assert meta['num_frames'] == len(test_ids) and meta['num_single_object'] == 0
    assert meta['num_instances'] == len(expected)
    assert meta['num_objects_without_exemplar'] == len(unmatched)
    assert meta['classes_without_exemplar'] == sorted(set(unmatched))


def test_a_borrowed_sound_is_the_exemplar_clips_audio(tiny_avshapes):
    init_default_scope('avloc')
    ds = AVShapesInstancesDataset(data_root=tiny_avshapes, ann_file='test.txt',
                                  test_mode=True, other_audio_control=False,
                                  pipeline=[dict(type='LoadAudio', duration=1.0)])
    borrowed = [i for i in range(len(ds)) if 'audio_clip_id' in ds.get_data_info(i)]
    assert borrowed
    for index in borrowed[:2]:
        exemplar = ds.get_data_info(index)['audio_clip_id']
        own = LoadAudio(duration=1.0)(dict(video_path=os.path.join(
            tiny_avshapes, 'video', exemplar + '.mp4')))['audio']
        np.testing.assert_array_equal(ds[index]['audio'], own)


def test_training_mode_is_the_plain_dataset(tiny_avshapes):
    init_default_scope('avloc')
    plain = AVShapesDataset(data_root=tiny_avshapes, ann_file='train.txt', pipeline=[])
    per_instance = AVShapesInstancesDataset(data_root=tiny_avshapes, ann_file='train.txt',
                                            pipeline=[])
    assert len(per_instance) == len(plain)
    for index in range(len(plain)):
        mine, theirs = per_instance.get_data_info(index), plain.get_data_info(index)
        np.testing.assert_array_equal(mine.pop('gt_bboxes'), theirs.pop('gt_bboxes'))
        assert mine == theirs and 'instance_group' not in mine


def box(x: float) -> list:
    return [x, 0.1, x + 0.3, 0.6]


def obj(name: str, x: float, sounding: bool = False) -> dict:
    return {'class': name, 'bbox': box(x), 'sounding': sounding}


def test_exemplar_rule_single_objects_and_unheard_classes(tiny_avshapes, tmp_path):
    """Five clips annotated by hand (the media are the generated ones):

    A: circle*, square, triangle    B: square*, ring (distractor circle)
    C: square*, cross (distractor star)    D: triangle* alone    E: circle*, square

    B sounds square first but its distractor, circle, is in A's and E's frames, so
    both take C's audio for their square; A's triangle takes D's, a single-object
    clip that is itself left out; nothing sounds ring or cross.
    """
    ids = open(os.path.join(tiny_avshapes, 'test.txt')).read().split()[:5]
    objects = {'A': [obj('circle', 0.0, True), obj('square', 0.3), obj('triangle', 0.6)],
               'B': [obj('square', 0.1, True), obj('ring', 0.5)],
               'C': [obj('square', 0.2, True), obj('cross', 0.6)],
               'D': [obj('triangle', 0.4, True)],
               'E': [obj('circle', 0.05, True), obj('square', 0.45)]}
    distractors = dict(B='circle', C='star')
    names = dict(zip('ABCDE', ids))
    entries = [{'file': names[key], 'class': objs[0]['class'], 'bbox': [objs[0]['bbox']],
                'objects': objs, 'distractor': distractors.get(key)}
               for key, objs in objects.items()]
    (tmp_path / 'boxes.json').write_text(json.dumps(entries))
    (tmp_path / 'five.txt').write_text('\n'.join(ids))
    ds = build(tiny_avshapes, ann_file=str(tmp_path / 'five.txt'),
               box_file=str(tmp_path / 'boxes.json'))
    rows = [(info['clip_id'], info.get('audio_clip_id'), info['gt_bboxes'][0, 0])
            for info in (ds.get_data_info(i) for i in range(len(ds)))]
    n = names
    assert rows == [(f'{n["A"]}#0', None, 0.0), (f'{n["A"]}#1', n['C'], pytest.approx(0.3)),
                    (f'{n["A"]}#2', n['D'], pytest.approx(0.6)),
                    (f'{n["B"]}#0', None, pytest.approx(0.1)),
                    (f'{n["C"]}#0', None, pytest.approx(0.2)),
                    (f'{n["E"]}#0', None, pytest.approx(0.05)),
                    (f'{n["E"]}#1', n['C'], pytest.approx(0.45))]
    meta = ds.metainfo
    assert (meta['num_frames'], meta['num_instances'], meta['num_single_object']) == (4, 7, 1)
    assert meta['num_objects_without_exemplar'] == 2
    assert meta['classes_without_exemplar'] == ['cross', 'ring']


def test_an_annotation_without_objects_is_named(tiny_avshapes, tmp_path):
    entries = read_json(os.path.join(tiny_avshapes, 'vggss.json'))
    test_ids = open(os.path.join(tiny_avshapes, 'test.txt')).read().split()
    index = next(i for i, e in enumerate(entries) if e['file'] == test_ids[1])
    del entries[index]['objects']
    (tmp_path / 'boxes.json').write_text(json.dumps(entries))
    with pytest.raises(ValueError, match=rf'boxes.json: entry {index} \({test_ids[1]}\): '
                                         r'"objects" must be a list'):
        build(tiny_avshapes, box_file=str(tmp_path / 'boxes.json'))
