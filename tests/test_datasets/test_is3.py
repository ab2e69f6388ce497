import hashlib
import json

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from public_sslalign import bbox2gtmap, load_is3_bboxes

from avloc.datasets.is3 import IS3Dataset, is3_box
from avloc.evaluation.functional.ciou import boxes_to_gt_map
from avloc.fileio import write_wav

PIPELINE = [dict(type='LoadFrame'), dict(type='LoadAudio', duration=1.0),
            dict(type='AudioToSpectrogram', n_fft=512, hop_length=250, n_mels=32),
            dict(type='FixedSizeResize', scale=(32, 32)),
            dict(type='PackAVInputs', meta_keys=('clip_id', 'instance_group', 'class_name',
                                                 'frame_path', 'audio_path'))]
# The authors' folders, as the published records hold them.
AUTHORS = '/mnt/lynx2/users/arda/synthetic3241'
STEMS = ('accordion_baby_10467_accordion', 'accordion_baby_10467_baby',
         'cat_alarmclock_1828_cat', 'cat_alarmclock_1828_alarmclock')
BOXES = ([47.0, 99.0, 154.0, 185.0], [0.0, 10.0, 93.0, 224.0],
         [85.0, 63.0, 200.0, 186.0], [41.0, 79.0, 215.0, 224.0])


def published_record(stem: str, box: list, **extra) -> dict:
    return dict(image=f'{AUTHORS}/visual_frames/{stem}.jpg',
                audio=f'{AUTHORS}/audio_wav/{stem}.wav', gt_box=box, **extra)


def write_records(root, records) -> str:
    path = root / 'IS3_annotation.json'
    path.write_text(json.dumps(records))
    return str(path)


@pytest.fixture
def is3_root(tmp_path):
    """An IS3-layout root: one tiny jpg per instance (both instances of a frame show
    the same picture), a 1-s tone per instance whose amplitude (k + 1) / 10 names
    record k, and the annotation list; the first frame's records carry a
    "category", the second's a "class"."""
    (tmp_path / 'images').mkdir()
    (tmp_path / 'audio_wav').mkdir()
    tone = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
    records = []
    for k, (stem, box) in enumerate(zip(STEMS, BOXES)):
        picture = np.full((24, 24, 3), 60 if k < 2 else 180, np.uint8)
        cv2.imwrite(str(tmp_path / 'images' / f'{stem}.jpg'), picture)
        write_wav(str(tmp_path / 'audio_wav' / f'{stem}.wav'),
                  ((k + 1) / 10 * tone).astype(np.float32), 16000)
        key = 'category' if k < 2 else 'class'
        records.append(published_record(stem, box, **{key: stem.split('_')[-1]}))
    write_records(tmp_path, records)
    return tmp_path


def test_each_record_is_an_instance_of_its_frame(is3_root):
    init_default_scope('avloc')
    ds = IS3Dataset(data_root=str(is3_root), pipeline=PIPELINE, test_mode=True)
    assert len(ds) == 4
    info = ds.get_data_info(1)
    assert info['clip_id'] == 'accordion_baby_10467_baby'
    assert info['instance_group'] == 'accordion_baby_10467'
    assert info['frame_path'] == str(is3_root / 'images' / f'{STEMS[1]}.jpg')
    assert info['audio_path'] == str(is3_root / 'audio_wav' / f'{STEMS[1]}.wav')
    assert [ds.get_data_info(i)['class_name'] for i in range(4)] == [
        'accordion', 'baby', 'cat', 'alarmclock']
    digest = hashlib.md5((is3_root / 'IS3_annotation.json').read_bytes()).hexdigest()
    assert ds.metainfo['list_name'] == 'IS3_annotation.json'
    assert ds.metainfo['list_md5'] == digest
    assert ds.metainfo['num_listed'] == 4 and ds.metainfo['num_frames'] == 2
    for k in range(4):
        packed = ds[k]
        sample = packed['data_samples']
        assert sample.clip_id == STEMS[k]
        assert sample.instance_group == ('accordion_baby_10467', 'cat_alarmclock_1828')[k // 2]
        assert packed['inputs']['imgs'].shape == (1, 3, 32, 32)
        assert 'other_spec' in packed['inputs']  # the other-audio control
        np.testing.assert_array_equal(sample.gt_bboxes.numpy(),
                                      is3_box(BOXES[k], 'test'))
    audio = IS3Dataset(data_root=str(is3_root), test_mode=True,
                       pipeline=[dict(type='LoadAudio', duration=1.0)])
    for k in range(4):  # each instance hears its own sound
        assert np.abs(audio[k]['audio']).max() == pytest.approx((k + 1) / 10, abs=0.01)


def test_boxes_give_the_public_ground_truth_map(is3_root):
    """boxes_to_gt_map of the stored boxes is SSL-Align's bbox2gtmap of the record's
    int() coordinates (tests/public_sslalign.py), for every integer 0..224 and for
    coordinates with a fraction."""
    records = json.loads((is3_root / 'IS3_annotation.json').read_text())
    public = load_is3_bboxes(records)
    ds = IS3Dataset(data_root=str(is3_root), test_mode=True)
    for k in range(len(ds)):
        info = ds.get_data_info(k)
        np.testing.assert_array_equal(boxes_to_gt_map(info['gt_bboxes']),
                                      bbox2gtmap(public[info['clip_id']]))
    for x in range(225):
        for box in ([x, x, 224, 224], [0, 0, x, x], [x, 0, x, 224]):
            np.testing.assert_array_equal(boxes_to_gt_map(is3_box(box, 'test')),
                                          bbox2gtmap([box]), err_msg=str(box))
    fractional = [47.6, 99.2, 154.9, 223.99]
    np.testing.assert_array_equal(boxes_to_gt_map(is3_box(fractional, 'test')),
                                  bbox2gtmap([[int(v) for v in fractional]]))
    # Stored as x / 224, 93 of the 225 pixels would come back one lower.
    lower = [x for x in range(225) if int(np.float64(np.float32(x / 224)) * 224) != x]
    assert len(lower) == 93
    assert is3_box([0, 0, 224, 224], 'test').max() == 1.0


BAD_RECORDS = {
    'not an object': (['x.jpg'], r'record 2 is not a JSON object'),
    'no gt_box': (dict(image='a_b_c.jpg', audio='a_b_c.wav'), r'record 2 has no gt_box'),
    'no image or audio': (dict(gt_box=[0, 0, 1, 1]), r'record 2 has no image, audio'),
    'three numbers': (dict(gt_box=[1, 2, 3]), r'record 2: "gt_box" must be 4 numbers'),
    'strings': (dict(gt_box=['1', '2', '3', '4']), r'record 2: "gt_box" must be 4'),
    'nested': (dict(gt_box=[[1, 2, 3, 4]]), r'record 2: "gt_box" must be 4 numbers'),
    'x2 < x1': (dict(gt_box=[100, 10, 50, 90]), r'record 2: "gt_box" .* is inverted'),
    'y2 < y1': (dict(gt_box=[10, 100, 50, 90]), r'record 2: "gt_box" .* is inverted'),
    'outside': (dict(gt_box=[10, 10, 300, 90]), r'record 2: "gt_box" .* leaves the 224'),
    'negative': (dict(gt_box=[-1, 10, 30, 90]), r'record 2: "gt_box" .* leaves the 224'),
    'not finite': (dict(gt_box=[float('nan'), 10, 30, 90]), r'record 2: "gt_box" .* leaves'),
    'parent folder': (dict(image='/data/images/..'), r'record 2 "image": \'..\' has a ".."'),
    'backslash': (dict(audio='..\\..\\etc\\x_y.wav'), r'record 2 "audio": .* backslash'),
    'not a string': (dict(image=7), r'record 2: "image" must be a path string'),
    'no frame': (dict(image='lonely.jpg'), r'record 2: image \'lonely.jpg\' names no frame'),
    'class': (dict(category=['cat']), r'record 2: the class must be a string'),
    'missing file': (dict(image=f'{AUTHORS}/visual_frames/cat_alarmclock_1828_dog.jpg'),
                     r'record 2 \(cat_alarmclock_1828_dog\) names missing files .*'
                     r'cat_alarmclock_1828_dog.jpg'),
}


@pytest.mark.parametrize('case', sorted(BAD_RECORDS))
def test_a_bad_record_is_named_with_the_file_and_its_index(is3_root, case):
    change, message = BAD_RECORDS[case]
    records = [published_record(stem, box) for stem, box in zip(STEMS, BOXES)]
    records[2] = dict(records[2], **change) if isinstance(change, dict) else change
    if case == 'no image or audio':
        del records[2]['image'], records[2]['audio']
    if case == 'no gt_box':
        records[2] = change
    path = write_records(is3_root, records)
    with pytest.raises(ValueError, match=f'{path}: ' + message):
        IS3Dataset(data_root=str(is3_root), test_mode=True)


def test_a_repeated_instance_or_an_empty_list_is_refused(is3_root):
    records = [published_record(stem, box) for stem, box in zip(STEMS, BOXES)]
    write_records(is3_root, records + records[:1])
    with pytest.raises(ValueError, match=r'1 entries repeat a listed clip.*count once'):
        IS3Dataset(data_root=str(is3_root), test_mode=True)
    write_records(is3_root, [])
    with pytest.raises(ValueError, match='IS3_annotation.json: the list holds no records'):
        IS3Dataset(data_root=str(is3_root), test_mode=True)
    write_records(is3_root, {'records': records})
    with pytest.raises(ValueError, match='expected a JSON list'):
        IS3Dataset(data_root=str(is3_root), test_mode=True)
    with pytest.raises(ValueError, match="data_prefix needs 'frame' and 'audio'"):
        IS3Dataset(data_root=str(is3_root), data_prefix=dict(frame='images'))
