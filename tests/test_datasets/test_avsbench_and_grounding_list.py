import json

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from avloc.datasets import AVSBenchS4Dataset, GroundingListDataset

PIPELINE = [dict(type='LoadFrame'), dict(type='LoadAudio', duration=2.0),
            dict(type='LoadGroundTruthMask'),
            dict(type='AudioToSpectrogram', n_fft=512, hop_length=250, n_mels=32),
            dict(type='FixedSizeResize', scale=(32, 32)), dict(type='PackAVInputs')]


def test_avsbench_frames_masks_and_audio_windows(avsbench_s4):
    init_default_scope('avloc')
    tmp_path = avsbench_s4
    ds = AVSBenchS4Dataset(ann_file='s4_test.csv', data_root=str(tmp_path),
                           pipeline=PIPELINE, test_mode=True)
    sample = ds[1]['data_samples']
    assert sample.clip_id == 'vid0_2' and sample.class_name == 'dog'
    assert sample.gt_mask.shape == (24, 32) and sample.gt_mask[:, :16].all()
    assert ds.metainfo['num_listed'] == 2 and ds.metainfo['list_name'] == 's4_test.csv'
    audio_only = [dict(type='LoadAudio', duration=2.0)]
    sliced = AVSBenchS4Dataset(ann_file='s4_test.csv', data_root=str(tmp_path),
                               pipeline=audio_only, test_mode=True)
    # Frame 2 hears second 2 (amplitude .2), tiled to 2 s.
    assert np.abs(sliced[1]['audio']).max() == pytest.approx(0.2, abs=0.01)
    whole = AVSBenchS4Dataset(ann_file='s4_test.csv', data_root=str(tmp_path),
                              audio_window='clip', pipeline=audio_only, test_mode=True)
    assert np.abs(whole[1]['audio']).max() == pytest.approx(0.2, abs=0.01)  # from 0 s
    assert np.abs(whole[1]['audio'][:16000]).max() == pytest.approx(0.1, abs=0.01)


def test_avsbench_names_bad_lines_and_missing_files(avsbench_s4):
    tmp_path = avsbench_s4
    (tmp_path / 'bad.csv').write_text('vid0_2,dog\nvid0,dog\n')
    with pytest.raises(ValueError, match=r'bad.csv:2: expected <video>_<k>,<class>'):
        AVSBenchS4Dataset(ann_file='bad.csv', data_root=str(tmp_path))
    (tmp_path / 'ghost.csv').write_text('vid0_3,dog\n')
    with pytest.raises(FileNotFoundError,
                       match=r'ghost.csv: 2 files of the listed clips are missing.*_3.png'):
        AVSBenchS4Dataset(ann_file='ghost.csv', data_root=str(tmp_path))


def test_grounding_list_boxes_and_masks(avsbench_s4):
    init_default_scope('avloc')
    tmp_path = avsbench_s4
    frame = 'visual_frames/test/dog/vid0/vid0_1.png'
    audio = 'audio_wav/test/dog/vid0.wav'
    entries = [dict(id='a', frame=frame, audio=audio, bbox=[[0.1, 0.2, 0.5, 0.9]],
                    **{'class': 'dog'}),
               dict(id='b', frame=frame, audio=audio,
                    mask='gt_masks/test/dog/vid0/vid0_1.png')]
    (tmp_path / 'list.json').write_text(json.dumps(entries))
    ds = GroundingListDataset(ann_file='list.json', data_root=str(tmp_path),
                              pipeline=PIPELINE[:2] + PIPELINE[3:], test_mode=True)
    assert ds[0]['data_samples'].gt_bboxes.tolist() == [[pytest.approx(0.1),
                                                         pytest.approx(0.2), 0.5,
                                                         pytest.approx(0.9)]]
    with_mask = GroundingListDataset(ann_file='list.json', data_root=str(tmp_path),
                                     pipeline=PIPELINE, test_mode=True)
    assert with_mask[1]['data_samples'].gt_mask.sum() == 24 * 16
    entries[0]['bbox'] = [[0.5, 0.2, 0.1, 0.9]]
    (tmp_path / 'bad.json').write_text(json.dumps(entries))
    with pytest.raises(ValueError, match=r'bad.json: entry 0 \(a\): boxes must be'):
        GroundingListDataset(ann_file='bad.json', data_root=str(tmp_path))
    (tmp_path / 'nobox.json').write_text(json.dumps([dict(id='c', frame=frame,
                                                          audio=audio)]))
    with pytest.raises(ValueError, match=r'entry 0 \(c\) needs .* bbox or mask'):
        GroundingListDataset(ann_file='nobox.json', data_root=str(tmp_path))


FRAME = 'visual_frames/test/dog/vid0/vid0_1.png'
AUDIO = 'audio_wav/test/dog/vid0.wav'


@pytest.mark.parametrize('entries, error', [
    ('[{"id": "a"', r'bad.json: not valid JSON'),
    ([dict(frame=FRAME, audio=AUDIO, bbox=[[0.1, 0.1, 0.5, 0.5]])],
     r'bad.json: entry 0 \(no id\) needs id, frame, audio'),
    ([dict(id='a', frame=FRAME, audio=AUDIO, bbox=[[0.1, 0.1, 0.5]])],
     r'bad.json: entry 0 \(a\): boxes must be \[x1, y1, x2, y2\]'),
    ([dict(id='a', frame=FRAME, audio=AUDIO, bbox=[[0.1, 0.1, 0.5, 0.5]]),
      dict(id='a', frame=FRAME, audio=AUDIO, bbox=[[0.2, 0.1, 0.5, 0.5]])],
     r'bad.json: entry 1 \(a\) annotates a clip twice \(also entry 0\)'),
])
def test_grounding_list_names_malformed_entries(avsbench_s4, entries, error):
    text = entries if isinstance(entries, str) else json.dumps(entries)
    (avsbench_s4 / 'bad.json').write_text(text)
    with pytest.raises(ValueError, match=error):
        GroundingListDataset(ann_file='bad.json', data_root=str(avsbench_s4))


def test_lists_with_a_byte_order_mark(avsbench_s4):
    entries = [dict(id='a', frame=FRAME, audio=AUDIO, bbox=[[0.1, 0.1, 0.5, 0.5]])]
    (avsbench_s4 / 'bom.json').write_text(json.dumps(entries), encoding='utf-8-sig')
    assert len(GroundingListDataset(ann_file='bom.json', data_root=str(avsbench_s4))) == 1
    (avsbench_s4 / 'bom.csv').write_text('vid0_1,dog\n', encoding='utf-8-sig')
    ds = AVSBenchS4Dataset(ann_file='bom.csv', data_root=str(avsbench_s4))
    assert ds.get_data_info(0)['clip_id'] == 'vid0_1'


def test_avsbench_repeated_frames_are_named(avsbench_s4):
    (avsbench_s4 / 'twice.csv').write_text('vid0_1,dog\nvid0_2,dog\nvid0_1,dog\n')
    with pytest.raises(ValueError, match=r"twice.csv: 1 entries repeat a listed clip: "
                                         r"\['vid0_1'\]"):
        AVSBenchS4Dataset(ann_file='twice.csv', data_root=str(avsbench_s4), test_mode=True)
