"""AVSBench-MS3 in its distributed layout, and AVSBench-S4 read from its distributed
s4_meta_data.csv (the layouts are written by tests/avsbench_layout.py)."""
import numpy as np
import pytest
from avsbench_layout import write_ms3, write_s4
from mmengine.registry import init_default_scope

from avloc.datasets.avsbench import AVSBenchMS3Dataset, AVSBenchS4Dataset
from avloc.datasets.vggsound import file_md5

PIPELINE = [dict(type='LoadFrame'), dict(type='LoadAudio', duration=2.0),
            dict(type='LoadGroundTruthMask'),
            dict(type='AudioToSpectrogram', n_fft=512, hop_length=250, n_mels=32),
            dict(type='FixedSizeResize', scale=(32, 32)), dict(type='PackAVInputs')]
AUDIO_ONLY = [dict(type='LoadAudio', duration=2.0)]
# Two test videos (MS3 names end in _<n> themselves) and one of another split.
VIDEOS = {'rq5RDUm2Hnk_1': 'test', 'u4v75o5WxYw_7': 'test', 'trainVid_0': 'train'}


@pytest.fixture
def ms3(tmp_path):
    return write_ms3(tmp_path, VIDEOS, black=('rq5RDUm2Hnk_1_3', ))


def test_ms3_frames_masks_and_order(ms3):
    init_default_scope('avloc')
    ds = AVSBenchMS3Dataset(data_root=str(ms3), pipeline=PIPELINE, test_mode=True)
    assert len(ds) == 10  # the test videos' 5 frames each, the train video left out
    ids = [ds.get_data_info(i)['clip_id'] for i in range(10)]
    assert ids == [f'{v}_{k}' for v in ('rq5RDUm2Hnk_1', 'u4v75o5WxYw_7') for k in range(1, 6)]
    info = ds.get_data_info(6)
    assert info['video'] == 'u4v75o5WxYw_7'
    media = ms3 / 'ms3_data'
    assert info['frame_path'] == str(media / 'visual_frames' / 'u4v75o5WxYw_7' /
                                     'u4v75o5WxYw_7.mp4_2.png')
    assert info['gt_mask_path'] == str(media / 'gt_masks' / 'test' / 'u4v75o5WxYw_7' /
                                       'u4v75o5WxYw_7_2.png')
    assert info['audio_path'] == str(media / 'audio_wav' / 'test' / 'u4v75o5WxYw_7.wav')
    sample = ds[1]['data_samples']
    assert sample.clip_id == 'rq5RDUm2Hnk_1_2'
    assert sample.gt_mask.shape == (24, 32) and sample.gt_mask[:, :16].all()
    assert not sample.gt_mask[:, 16:].any()
    assert not ds[2]['data_samples'].gt_mask.any()  # frame 3's all-black mask
    assert ds.metainfo['list_name'] == 'ms3_meta_data.csv' and ds.metainfo['num_listed'] == 10
    assert ds.metainfo['list_md5'] == file_md5(str(ms3 / 'ms3_meta_data.csv'))


def test_ms3_audio_windows(ms3):
    sliced = AVSBenchMS3Dataset(data_root=str(ms3), pipeline=AUDIO_ONLY, test_mode=True)
    # Frame 4 hears second 4 (amplitude .4), tiled to 2 s.
    assert np.abs(sliced[3]['audio']).max() == pytest.approx(0.4, abs=0.01)
    assert np.abs(sliced[3]['audio'][16000:]).max() == pytest.approx(0.4, abs=0.01)
    whole = AVSBenchMS3Dataset(data_root=str(ms3), audio_window='clip', pipeline=AUDIO_ONLY,
                               test_mode=True)
    assert np.abs(whole[3]['audio'][:16000]).max() == pytest.approx(0.1, abs=0.01)  # from 0 s
    assert np.abs(whole[3]['audio'][16000:]).max() == pytest.approx(0.2, abs=0.01)
    with pytest.raises(ValueError, match=r"audio_window must be 'slice' or 'clip'"):
        AVSBenchMS3Dataset(data_root=str(ms3), audio_window='second')


def test_ms3_other_splits(ms3):
    train = AVSBenchMS3Dataset(data_root=str(ms3), split='train')
    assert [train.get_data_info(i)['clip_id'] for i in range(len(train))] == [
        f'trainVid_0_{k}' for k in range(1, 6)]
    with pytest.raises(ValueError, match=r"ms3_meta_data.csv: no video of split 'val'; "
                                         r"the list's splits are \['test', 'train'\]"):
        AVSBenchMS3Dataset(data_root=str(ms3), split='val')


@pytest.mark.parametrize('text, error', [
    ('rq5RDUm2Hnk_1,test\n', r"bad.csv:1: expected a header naming the columns \['split'\]"),
    ('', r"bad.csv:1: expected a header naming the columns \['split'\].*an empty file"),
    ('video_id,split\nrq5RDUm2Hnk_1,test,extra\n',
     r"bad.csv:2: expected 2 fields as the header \(video_id,split\), found "
     r"'rq5RDUm2Hnk_1,test,extra'"),
    ('video_id,split\n\nrq5RDUm2Hnk_1,test\n../outside,test\n',
     r"bad.csv:4: '../outside' has a \"..\" component"),
    ('video_id,split\nrq5RDUm2Hnk_1,test\nrq5RDUm2Hnk_1,test\n',
     r"bad.csv: 5 entries repeat a listed clip: \['rq5RDUm2Hnk_1_1'"),
])
def test_ms3_names_bad_lists(ms3, text, error):
    (ms3 / 'bad.csv').write_text(text)
    with pytest.raises(ValueError, match=error):
        AVSBenchMS3Dataset(data_root=str(ms3), ann_file='bad.csv', test_mode=True)


def test_ms3_names_missing_files(ms3):
    media = ms3 / 'ms3_data'
    (media / 'gt_masks' / 'test' / 'u4v75o5WxYw_7' / 'u4v75o5WxYw_7_5.png').unlink()
    with pytest.raises(FileNotFoundError,
                       match=r'ms3_meta_data.csv: 1 files of the listed clips are missing, '
                             r'e.g. \[.*gt_masks/test/u4v75o5WxYw_7/u4v75o5WxYw_7_5.png'):
        AVSBenchMS3Dataset(data_root=str(ms3))
    # Frames sit in one folder per video, without a split level.
    (media / 'visual_frames' / 'rq5RDUm2Hnk_1').rename(media / 'visual_frames' / 'test')
    with pytest.raises(FileNotFoundError, match=r'6 files .* are missing, e.g. '
                                                r'\[.*visual_frames/rq5RDUm2Hnk_1/'
                                                r'rq5RDUm2Hnk_1.mp4_1.png'):
        AVSBenchMS3Dataset(data_root=str(ms3))


def test_s4_reads_the_distributed_meta_csv(tmp_path):
    init_default_scope('avloc')
    s4_data = write_s4(tmp_path, {'vidA': ('dog_barking', 'test'),
                                  'vidB': ('helicopter', 'train'),
                                  'vidC': ('race_car', 'test')})
    ds = AVSBenchS4Dataset(ann_file='../s4_meta_data.csv', data_root=str(s4_data),
                           pipeline=PIPELINE, test_mode=True)
    assert [ds.get_data_info(i)['clip_id'] for i in range(len(ds))] == [
        f'{v}_{k}' for v in ('vidA', 'vidC') for k in range(1, 6)]
    info = ds.get_data_info(7)
    assert info['class_name'] == 'race_car' and info['video'] == 'vidC'
    assert info['frame_path'] == str(s4_data / 'visual_frames' / 'test' / 'race_car' /
                                     'vidC' / 'vidC_3.png')
    assert ds.metainfo['list_name'] == 's4_meta_data.csv' and ds.metainfo['num_listed'] == 10
    sample = ds[7]['data_samples']
    assert sample.clip_id == 'vidC_3' and sample.gt_mask[:, :16].all()
    sliced = AVSBenchS4Dataset(ann_file='../s4_meta_data.csv', data_root=str(s4_data),
                               pipeline=AUDIO_ONLY, test_mode=True)
    assert np.abs(sliced[7]['audio']).max() == pytest.approx(0.3, abs=0.01)
    # A training video has one annotated frame, its first.
    train = AVSBenchS4Dataset(ann_file='../s4_meta_data.csv', data_root=str(s4_data),
                              split='train')
    assert [train.get_data_info(i)['clip_id'] for i in range(len(train))] == ['vidB_1']


def test_s4_meta_csv_errors_name_the_line(tmp_path):
    s4_data = write_s4(tmp_path, {'vidA': ('dog_barking', 'test')})
    (s4_data / 'meta.csv').write_text('name,start,category,split\nvidA,0,../up,test\n')
    with pytest.raises(ValueError, match=r"meta.csv:2: '../up' has a \"..\" component"):
        AVSBenchS4Dataset(ann_file='meta.csv', data_root=str(s4_data))
    (s4_data / 'meta.csv').write_text('name,start,category,split\nvidA,0,dog_barking\n')
    with pytest.raises(ValueError, match=r'meta.csv:2: expected 4 fields as the header'):
        AVSBenchS4Dataset(ann_file='meta.csv', data_root=str(s4_data))
