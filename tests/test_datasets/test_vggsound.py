import json
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from tool_runner import ROOT

from avloc.datasets import (VGGSoundDataset, file_md5, in_holdout, read_box_file, read_clip_list,
                            read_id_list)

PIPELINE = [dict(type='LoadFrame'), dict(type='LoadAudio', duration=1.0),
            dict(type='AudioToSpectrogram', n_fft=512, hop_length=250, n_mels=32),
            dict(type='FixedSizeResize', scale=(32, 32)), dict(type='PackAVInputs')]


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

    from avloc.datasets.synthesis import synthesize_clip
    from avloc.datasets.synthesis.avshapes_generator import AVShapesSettings
    from avloc.fileio import write_wav
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


def test_read_clip_list_formats(tmp_path):
    official = tmp_path / 'vggsound.csv'
    official.write_text('---g-f_I2yQ,1,people marching,test\n'
                        'abc,30,"vehicle horn, car horn, honking",train')
    assert read_clip_list(str(official)) == [
        dict(clip_id='---g-f_I2yQ_000001', class_name='people marching'),
        dict(clip_id='abc_000030', class_name='vehicle horn, car horn, honking')]
    assert [c['clip_id'] for c in read_clip_list(str(official), 'train')] == ['abc_000030']
    pairs = tmp_path / 'vggss_plus_silent.csv'
    pairs.write_text('video,audio,label\na,a,sounding\na,b,non-sounding\n')
    assert read_clip_list(str(pairs))[1] == dict(clip_id='a', audio_id='b',
                                                 is_sounding=False)
    pairs.write_text('video,audio,label\na,b,silent\n')
    with pytest.raises(ValueError, match=r'vggss_plus_silent.csv:2: expected'):
        read_clip_list(str(pairs))
    ids = tmp_path / 'ids.txt'
    ids.write_text('a.jpg\nb')
    assert read_clip_list(str(ids)) == [dict(clip_id='a'), dict(clip_id='b')]
    with pytest.raises(ValueError, match='needs the vggsound.csv format'):
        read_clip_list(str(ids), 'train')


def test_holdout_is_stable_and_disjoint():
    ids = [f'clip{i:05d}' for i in range(4000)]
    held = {c for c in ids if in_holdout(c, 0.05)}
    assert 150 < len(held) < 250  # about 5%
    # The decision ignores the list: a sub-list holds out the same clips.
    assert {c for c in ids[:1000] if in_holdout(c, 0.05)} == held & set(ids[:1000])
    assert held != {c for c in ids if in_holdout(c, 0.05, seed=1)}


def test_dataset_holdout_pairs_classes_and_metainfo(tiny_avshapes, tmp_path):
    init_default_scope('avloc')
    ids = [f'avshapes_{i:06d}' for i in range(48)]
    ann = copy_subset(tiny_avshapes, tmp_path, ids)
    common = dict(ann_file=ann, box_file='vggss.json', data_root=tiny_avshapes,
                  pipeline=PIPELINE)
    train = VGGSoundDataset(holdout=dict(fraction=0.25), **common)
    val = VGGSoundDataset(holdout=dict(fraction=0.25, keep='holdout'), **common)
    train_ids = {train.get_data_info(i)['clip_id'] for i in range(len(train))}
    val_ids = {val.get_data_info(i)['clip_id'] for i in range(len(val))}
    assert train_ids | val_ids == set(ids) and not train_ids & val_ids and val_ids
    assert val.metainfo['num_listed'] == len(val_ids)
    assert val.metainfo['list_name'] == 'list.txt'
    assert val.metainfo['list_md5'] == file_md5(ann)
    item = train[0]['data_samples']
    assert train.metainfo['classes'][item.gt_label] == item.class_name
    with pytest.raises(ValueError, match='holdout needs 0 < fraction < 1'):
        VGGSoundDataset(holdout=dict(fraction=1.5), **common)
    pairs = tmp_path / 'plus_silent.csv'
    pairs.write_text('video,audio,label\navshapes_000048,avshapes_000048,sounding\n'
                     'avshapes_000048,avshapes_000049,non-sounding\n')
    paired = VGGSoundDataset(ann_file=str(pairs), box_file='vggss.json',
                             data_root=tiny_avshapes, pipeline=PIPELINE, test_mode=True)
    silent = paired.get_data_info(1)
    assert silent['audio_path'].endswith('avshapes_000049.mp4')
    assert silent['video_path'].endswith('avshapes_000048.mp4')
    assert 'gt_bboxes' not in silent and paired[1]['data_samples'].is_sounding is False
    assert paired[0]['data_samples'].is_sounding is True


@pytest.mark.parametrize('name', ['vggss_test.csv', 'ssltie_test_vggss_4911.txt',
                                  'ssltie_openset_test_heard_2425.txt',
                                  'ssltie_openset_test_unheard_2463.txt',
                                  'vggss_heard_test.csv', 'vggss_unheard_test.csv'])
def test_every_shipped_test_list_has_boxes(name):
    """The real lists resolve in the real vggss.json (so a test run never stops on a
    clip without boxes) and count what their sources say."""
    meta = os.path.join(ROOT, 'tools', 'data', 'vggsound', 'meta')
    boxes = read_box_file(os.path.join(meta, 'vggss.json'), 'clip')
    clips = read_clip_list(os.path.join(meta, name))
    assert all(c['clip_id'] in boxes for c in clips)
    expected = {'vggss_test.csv': 5158, 'vggss_heard_test.csv': 2564,
                'vggss_unheard_test.csv': 2575}.get(name)
    assert len(clips) == (expected or int(name.rsplit('_', 1)[1].split('.')[0]))


def logged(build):
    """``build()`` and what it logged through MMEngine's logger."""
    import io
    import logging

    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        return build(), stream.getvalue()
    finally:
        logger.removeHandler(handler)


def test_a_byte_order_mark_is_stripped_from_lists(tmp_path):
    """Editors on Windows save lists with a UTF-8 BOM; it must not become part of the
    first clip id (which would then have no file, or no boxes)."""
    path = tmp_path / 'list.txt'
    path.write_text('a.jpg\nb\n', encoding='utf-8-sig')
    assert read_id_list(str(path)) == ['a', 'b']
    path.write_text('video,audio,label\na,b,non-sounding\n', encoding='utf-8-sig')
    assert read_clip_list(str(path)) == [dict(clip_id='a', audio_id='b',
                                              is_sounding=False)]
    path.write_text('abc,30,dog,train\n', encoding='utf-8-sig')
    assert read_clip_list(str(path)) == [dict(clip_id='abc_000030', class_name='dog')]
    boxes = tmp_path / 'vggss.json'
    boxes.write_text('[{"file": "a", "bbox": [[0, 0, 1, 1]]}]', encoding='utf-8-sig')
    assert list(read_box_file(str(boxes), 'error')) == ['a']


def test_duplicate_ids_are_an_error_at_test_time_and_dropped_in_training(
        tiny_avshapes, tmp_path):
    init_default_scope('avloc')
    ann = copy_subset(tiny_avshapes, tmp_path, ['avshapes_000048', 'avshapes_000049',
                                                'avshapes_000048.mp4'])
    common = dict(ann_file=ann, data_root=tiny_avshapes, pipeline=PIPELINE)
    with pytest.raises(ValueError, match=r"list.txt: 1 entries repeat a listed clip: "
                                         r"\['avshapes_000048'\]"):
        VGGSoundDataset(test_mode=True, **common)
    train, log = logged(lambda: VGGSoundDataset(**common))
    assert [train.get_data_info(i)['clip_id'] for i in range(len(train))] == [
        'avshapes_000048', 'avshapes_000049']
    assert "repeat a listed clip: ['avshapes_000048'] (each kept once)" in log


@pytest.mark.parametrize('text, error', [
    ('[{"file": "a", "bbox": [[0.1, 0.1, 0.5, 0.5]]', r'vggss.json: not valid JSON'),
    ('{"file": "a"}', r'vggss.json: expected a JSON list'),
    ('[{"file": "a", "bbox": []}, {"class": "dog", "bbox": []}]',
     r'vggss.json: entry 1 has no "file"'),
    ('[{"file": "a", "bbox": [[0.1, 0.1, 0.5]]}]',
     r'vggss.json: clip a \(entry 0\): boxes must be \[x1, y1, x2, y2\]'),
    ('[{"file": "a", "bbox": [[0.1, 0.1, 0.5, 0.5], [0.1, 0.1, 0.5]]}]',
     r'vggss.json: clip a \(entry 0\): boxes must be \[x1, y1, x2, y2\]'),
    ('[{"file": "a", "bbox": []}, {"file": "b", "bbox": []}, {"file": "a", "bbox": []}]',
     r'vggss.json: clip a \(entry 2\) is annotated twice \(also entry 0\)'),
])
def test_malformed_box_files_are_named(tmp_path, text, error):
    path = tmp_path / 'vggss.json'
    path.write_text(text)
    for policy in ('error', 'clip'):
        with pytest.raises(ValueError, match=error):
            read_box_file(str(path), policy)


def extracted_root(tmp_path, frame, tone, good=('good',), truncated=('cut',)):
    """An extracted-layout root: whole frames for ``good``, truncated ones for
    ``truncated``, and train.txt listing the truncated clips first."""
    import cv2

    from avloc.fileio import write_wav
    for sub in ('frames', 'audio'):
        (tmp_path / sub).mkdir(exist_ok=True)
    data = cv2.imencode('.jpg', frame[..., ::-1])[1].tobytes()
    for clip_id in good + truncated:
        (tmp_path / 'frames' / f'{clip_id}.jpg').write_bytes(
            data if clip_id in good else data[:len(data) // 2])
        write_wav(str(tmp_path / 'audio' / f'{clip_id}.wav'), tone, 16000)
    (tmp_path / 'train.txt').write_text('\n'.join(truncated + good))
    return dict(ann_file='train.txt', data_root=str(tmp_path), pipeline=PIPELINE,
                data_prefix=dict(frame='frames', audio='audio'))


def test_a_truncated_frame_is_skipped_in_training_and_named_at_test_time(
        tmp_path, frame, tone, monkeypatch):
    from PIL import ImageFile
    monkeypatch.setattr(ImageFile, 'LOAD_TRUNCATED_IMAGES', True)  # as scripts do
    init_default_scope('avloc')
    common = extracted_root(tmp_path, frame, tone)
    train = VGGSoundDataset(**common)
    assert train[0]['data_samples'].clip_id == 'good'
    assert train.num_skipped == 1
    test = VGGSoundDataset(test_mode=True, **common)
    with pytest.raises(ValueError, match=r'frames/cut.jpg: truncated jpg'):
        test[0]


@pytest.mark.filterwarnings('ignore::PIL.Image.DecompressionBombWarning')  # Pillow's
def test_training_skips_and_counts_media_whose_headers_lie(tiny_avshapes, tmp_path,
                                                           frame, tone):
    """A video whose stream claims 12000x12000 frames, a jpg claiming them (each
    gigabytes to decode) and a wav whose header gives a sample rate of 0 (a
    ZeroDivisionError) stopped a training run; each is skipped and counted, and
    named at test time."""
    from hostile_media import h264_claiming, jpeg_claiming, riff_wav
    init_default_scope('avloc')
    videos = tmp_path / 'videos'
    (videos / 'video').mkdir(parents=True)
    os.symlink(os.path.join(tiny_avshapes, 'video', 'avshapes_000000.mp4'),
               videos / 'video' / 'good.mp4')
    h264_claiming(str(videos / 'video' / 'huge.mp4'), 12000, 12000)
    (videos / 'train.txt').write_text('huge\ngood\n')
    extracted = tmp_path / 'extracted'
    extracted.mkdir()
    common = extracted_root(extracted, frame, tone, good=('rate0', 'good'),
                            truncated=('huge', ))  # listed: huge, rate0, good
    jpeg_claiming(str(extracted / 'frames' / 'huge.jpg'), 12000, 12000)
    riff_wav(str(extracted / 'audio' / 'rate0.wav'), rate=0)
    by_video = dict(ann_file='train.txt', data_root=str(videos), pipeline=PIPELINE)
    for layout, bad in ((by_video, ['video/huge.mp4: a 12000x12000 picture']),
                        (common, ['frames/huge.jpg: a 12000x12000 picture',
                                  'audio/rate0.wav: its header gives a sample rate of 0'])):
        train = VGGSoundDataset(**layout)
        for idx in range(len(train)):  # a bad clip is skipped, a good one drawn
            assert train[idx]['data_samples'].clip_id == 'good'
        assert train.bad_indices == set(range(len(bad))) and train.num_skipped >= len(bad)
        test = VGGSoundDataset(test_mode=True, **layout)
        for idx, message in enumerate(bad):
            with pytest.raises(ValueError, match=message):
                test[idx]


def test_no_clip_found_is_one_clear_error(tiny_avshapes, tmp_path):
    init_default_scope('avloc')
    ann = copy_subset(tiny_avshapes, tmp_path, ['ghost1', 'ghost2'])
    with pytest.raises(FileNotFoundError,
                       match=r'list.txt: 2 clips listed, 0 found, 0 usable'):
        VGGSoundDataset(ann_file=ann, data_root=tiny_avshapes, pipeline=PIPELINE)


def test_fewer_clips_than_min_clips_is_one_clear_error(tiny_avshapes, tmp_path):
    init_default_scope('avloc')
    ann = copy_subset(tiny_avshapes, tmp_path, ['avshapes_000000', 'ghost'])
    with pytest.raises(ValueError, match=r'list.txt: 2 clips listed, 1 found, 1 usable; '
                                         r'fewer than min_clips=4'):
        VGGSoundDataset(ann_file=ann, data_root=tiny_avshapes, pipeline=PIPELINE,
                        min_clips=4)


def test_every_clip_bad_is_one_clear_error(tmp_path, frame, tone):
    init_default_scope('avloc')
    train = VGGSoundDataset(**extracted_root(tmp_path, frame, tone, good=(),
                                             truncated=('cut1', 'cut2')))
    with pytest.raises(RuntimeError, match=r'train.txt: 2 clips listed, 2 found, 0 '
                                           r'usable: every clip found failed to load'):
        train[0]
    assert train.num_skipped == 2  # each bad clip tried once, not max_refetch times


def test_refetch_limit_is_one_clear_error(tmp_path, frame, tone):
    init_default_scope('avloc')
    train = VGGSoundDataset(max_refetch=0, **extracted_root(
        tmp_path, frame, tone, truncated=('cut1', 'cut2')))
    with pytest.raises(RuntimeError, match=r'train.txt: 3 clips listed, 3 found, at most '
                                           r'2 usable: 1 clips in a row failed to load '
                                           r'\(max_refetch=0\); last: .*cut1.jpg'):
        train[0]


def test_ssltie_vggsound_ids_are_the_prepared_file_names(tmp_path, frame, tone):
    """SSL-TIE's VGG-Sound lists write ids as EZ-VSL's do, ``<youtube id>_<start s,
    zero-padded to 6 digits>`` (every one of its 144k, 10k and 70k ids), which is how
    the prepared layout names its files: they resolve unchanged."""
    import cv2

    from avloc.fileio import write_wav
    ids = ['--PlJNEnf-s_000288', 'zzwbG0dHLhI_000150']
    for sub in ('frames', 'audio'):
        (tmp_path / sub).mkdir()
    for clip_id in ids:
        cv2.imwrite(str(tmp_path / 'frames' / f'{clip_id}.jpg'), frame)
        write_wav(str(tmp_path / 'audio' / f'{clip_id}.wav'), tone, 16000)
    (tmp_path / 'train_vggss_train_10k.txt').write_text('\n'.join(ids) + '\n')
    init_default_scope('avloc')
    dataset = VGGSoundDataset(ann_file='train_vggss_train_10k.txt', data_root=str(tmp_path),
                              data_prefix=dict(frame='frames', audio='audio'),
                              pipeline=PIPELINE, missing='error')
    assert [dataset.get_data_info(i)['clip_id'] for i in range(2)] == ids
    assert dataset[0]['inputs']['spec'].shape == (1, 32, 65)
