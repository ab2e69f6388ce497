import json
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from avloc.datasets import VGGSoundDataset, read_box_file, read_id_list

PIPELINE = [dict(type='LoadFrame'), dict(type='LoadAudio', duration=1.0),
            dict(type='AudioToSpectrogram', n_fft=512, hop_length=250, n_mels=32),
            dict(type='Resize', scale=(32, 32)), dict(type='PackAVInputs')]


def test_read_id_list_tolerates_real_quirks(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('a_000001.jpg\n\nb_000002,4\nc_000003')  # no final newline
    assert read_id_list(str(path)) == ['a_000001', 'b_000002', 'c_000003']
    (tmp_path / 'empty.txt').write_text('\n')
    with pytest.raises(ValueError, match='empty.txt: the list holds no clip ids'):
        read_id_list(str(tmp_path / 'empty.txt'))


def test_box_policies(tmp_path):
    path = tmp_path / 'vggss.json'
    path.write_text(json.dumps([
        {'file': 'a', 'class': 'c', 'bbox': [[0.1, 0.1, 0.5, 0.5]]},
        {'file': 'b', 'class': 'c', 'bbox': [[-2.88e16, 0.1, 0.5, 1.2], [0.9, 0.1, 0.2, 0.5]]},
    ]))
    with pytest.raises(ValueError, match=r'vggss.json: clip b has a box outside the frame'):
        read_box_file(str(path), 'error')
    table = read_box_file(str(path), 'clip')
    np.testing.assert_allclose(table['b'][1], [[0.0, 0.1, 0.5, 1.0]])  # empty one dropped
    assert table['a'][0] == 'c'


def copy_subset(root, tmp_path, ids, name='list.txt'):
    (tmp_path / name).write_text('\n'.join(ids))
    return str(tmp_path / name)


def test_loads_clips_and_errors_on_missing_files(tiny_avshapes, tmp_path):
    init_default_scope('avloc')
    ann = copy_subset(tiny_avshapes, tmp_path, ['avshapes_000048', 'avshapes_000049'])
    ds = VGGSoundDataset(ann_file=ann, box_file='vggss.json', data_root=tiny_avshapes,
                         pipeline=PIPELINE, test_mode=True)
    item = ds[0]
    assert item['inputs']['imgs'].shape == (1, 3, 32, 32)
    assert item['data_samples'].gt_bboxes.shape == (1, 4)
    ghost = copy_subset(tiny_avshapes, tmp_path, ['avshapes_000048', 'ghost'], 'g.txt')
    with pytest.raises(FileNotFoundError, match=r'g.txt: 1 of 2 listed clips have no file'):
        VGGSoundDataset(ann_file=ghost, box_file='vggss.json', data_root=tiny_avshapes,
                        pipeline=PIPELINE, test_mode=True)
    train = VGGSoundDataset(ann_file=ghost, data_root=tiny_avshapes, pipeline=PIPELINE)
    assert len(train) == 1  # skipped in training


def test_training_skips_and_counts_broken_media(tiny_avshapes, tmp_path):
    init_default_scope('avloc')
    root = tmp_path / 'root'
    (root / 'video').mkdir(parents=True)
    good = os.path.join(tiny_avshapes, 'video', 'avshapes_000000.mp4')
    os.symlink(good, root / 'video' / 'good.mp4')
    (root / 'video' / 'broken.mp4').write_bytes(b'garbage')
    (root / 'train.txt').write_text('broken\ngood\n')
    ds = VGGSoundDataset(ann_file='train.txt', data_root=str(root), pipeline=PIPELINE)
    for _ in range(4):
        assert ds[0]['data_samples'].clip_id in ('good', 'broken')
        assert ds[0]['data_samples'].clip_id == 'good'
    assert ds.num_skipped >= 1
    test = VGGSoundDataset(ann_file='train.txt', data_root=str(root), pipeline=PIPELINE,
                           test_mode=True)
    with pytest.raises(ValueError, match='broken.mp4'):
        test[0]


def test_extracted_layout(tiny_avshapes, tmp_path):
    import cv2
    from avloc.datasets.synthesis import synthesize_clip, write_wav
    from avloc.datasets.synthesis.avshapes_generator import AVShapesSettings
    (tmp_path / 'frames').mkdir()
    (tmp_path / 'audio').mkdir()
    frame, audio, _ = synthesize_clip(AVShapesSettings(frame_size=64), 0)
    cv2.imwrite(str(tmp_path / 'frames' / 'x.jpg'), frame[..., ::-1])
    write_wav(str(tmp_path / 'audio' / 'x.wav'), audio, 16000)
    (tmp_path / 'list.txt').write_text('x.jpg\n')
    init_default_scope('avloc')
    ds = VGGSoundDataset(ann_file='list.txt', data_root=str(tmp_path),
                         data_prefix=dict(frame='frames', audio='audio'), pipeline=PIPELINE)
    assert ds[0]['inputs']['spec'].shape == (1, 32, 65)
