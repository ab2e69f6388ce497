import numpy as np
import pytest
from mmengine.registry import init_default_scope

from avloc.datasets import FlickrSoundNetDataset, read_flickr_xml, read_id_list
from avloc.fileio import write_wav

# Shaped like the Flickr-SoundNet test annotations: several annotators' <bbox>
# elements, each a label child then pixel coordinates in a 256x256 frame.
XML = """<?xml version="1.0"?>
<annotation><file>{id}</file>
  <object><bbox><label>person</label>
    <xmin>10</xmin><ymin>20</ymin><xmax>138</xmax><ymax>148</ymax></bbox></object>
  <object><bbox><label>person</label>
    <xmin>0</xmin><ymin>64</ymin><xmax>128</xmax><ymax>256</ymax></bbox></object>
</annotation>
"""


@pytest.fixture
def flickr_root(tmp_path, frame, tone):
    import cv2
    for sub in ('frames', 'audio', 'Annotations', 'meta'):
        (tmp_path / sub).mkdir()
    ids = ['1000', '1001']
    for clip_id in ids:
        cv2.imwrite(str(tmp_path / 'frames' / f'{clip_id}.jpg'), frame)
        write_wav(str(tmp_path / 'audio' / f'{clip_id}.wav'), tone, 16000)
        (tmp_path / 'Annotations' / f'{clip_id}.xml').write_text(XML.format(id=clip_id))
    (tmp_path / 'meta' / 'flickr_test.csv').write_text('1000,4\n1001,4')
    return tmp_path


def build(root, **kwargs):
    init_default_scope('avloc')
    return FlickrSoundNetDataset(
        data_root=str(root), ann_file='meta/flickr_test.csv', audio_ext='.wav',
        test_mode=True, pipeline=[dict(type='LoadFrame'), dict(type='LoadAudio', duration=1.0),
                                  dict(type='AudioToSpectrogram', n_mels=32, hop_length=250),
                                  dict(type='FixedSizeResize', scale=(32, 32)),
                                  dict(type='PackAVInputs')], **kwargs)


def test_every_annotator_box_is_kept(flickr_root):
    dataset = build(flickr_root)
    assert len(dataset) == 2
    sample = dataset[0]['data_samples']
    np.testing.assert_allclose(sample.gt_bboxes.numpy(), np.array(
        [[10, 20, 138, 148], [0, 64, 128, 256]]) / 256, rtol=1e-6)
    assert sample.clip_id == '1000'


def test_missing_and_malformed_annotations_are_named(flickr_root):
    (flickr_root / 'Annotations' / '1001.xml').unlink()
    with pytest.raises(FileNotFoundError, match='1001.xml: no annotation for test clip'):
        build(flickr_root)
    bad = flickr_root / 'bad.xml'
    bad.write_text('<a><bbox><label>x</label><xmin>1</xmin><ymin>2</ymin></bbox></a>')
    with pytest.raises(ValueError, match=r'bad.xml: <bbox> 0 needs numeric xmin'):
        read_flickr_xml(str(bad))
    bad.write_text('<a><bbox>')
    with pytest.raises(ValueError, match='bad.xml: not a readable annotation file'):
        read_flickr_xml(str(bad))


def test_raw_videos_work_as_the_extracted_layout(flickr_root, frame, tone):
    from avloc.fileio import write_video
    (flickr_root / 'video').mkdir()
    for clip_id in ('1000', '1001'):
        write_video(str(flickr_root / 'video' / f'{clip_id}.mp4'),
                    np.repeat(frame[None], 4, 0), 4, tone, 16000)
    from_videos = build(flickr_root, data_prefix=dict(video='video'))
    from_files = build(flickr_root)
    a, b = from_videos[1], from_files[1]
    np.testing.assert_array_equal(a['data_samples'].gt_bboxes, b['data_samples'].gt_bboxes)
    assert a['inputs']['imgs'].shape == b['inputs']['imgs'].shape == (1, 3, 32, 32)
    assert a['data_samples'].video_path.endswith('video/1001.mp4')


def xml_file(tmp_path, *bboxes):
    """An annotation file with one <bbox> per dict of child tags."""
    body = ''.join('<object><bbox>' + ''.join(f'<{k}>{v}</{k}>' for k, v in b.items()) +
                   '</bbox></object>' for b in bboxes)
    path = tmp_path / 'clip.xml'
    path.write_text(f'<annotation>{body}</annotation>')
    return str(path)


def test_xml_fields_are_read_by_tag_name(tmp_path):
    reordered = dict(ymax=148, label='person', xmin=10, xmax=138, ymin=20)
    np.testing.assert_allclose(read_flickr_xml(xml_file(tmp_path, reordered)),
                               [np.array([10, 20, 138, 148]) / 256])
    path = xml_file(tmp_path, dict(label='person', xmin=10, ymin=20, xmax=138))
    with pytest.raises(ValueError, match=r'clip.xml: <bbox> 0 needs numeric xmin, ymin, '
                                         r"xmax, ymax; found \{'label': 'person'"):
        read_flickr_xml(path)


@pytest.mark.parametrize('box', [dict(xmin=138, ymin=20, xmax=10, ymax=148),
                                 dict(xmin=-5, ymin=20, xmax=138, ymax=148),
                                 dict(xmin=10, ymin=20, xmax=300, ymax=148)])
def test_inverted_or_outside_xml_boxes_follow_box_policy(tmp_path, box):
    whole = dict(label='dog', xmin=0, ymin=0, xmax=128, ymax=128)
    path = xml_file(tmp_path, whole, dict(label='dog', **box))
    with pytest.raises(ValueError, match=r'clip.xml: <bbox> 1 has a box outside the '
                                         r'frame or empty: \[\['):
        read_flickr_xml(path)
    clipped = read_flickr_xml(path, box_policy='clip')
    np.testing.assert_allclose(clipped[0], [0, 0, 0.5, 0.5])
    x1, y1, x2, y2 = np.clip([box['xmin'], box['ymin'], box['xmax'], box['ymax']], 0,
                             256) / 256
    expected = [[x1, y1, x2, y2]] if x2 > x1 else np.zeros((0, 4))
    np.testing.assert_allclose(clipped[1:], expected, rtol=1e-6)


def test_the_dataset_passes_its_box_policy_to_the_xml(flickr_root):
    (flickr_root / 'Annotations' / '1001.xml').write_text(
        XML.format(id='1001').replace('<xmax>138</xmax>', '<xmax>300</xmax>'))
    with pytest.raises(ValueError, match=r'1001.xml: <bbox> 0 has a box outside'):
        build(flickr_root)
    dataset = build(flickr_root, box_policy='clip')
    np.testing.assert_allclose(dataset.get_data_info(1)['gt_bboxes'][0],
                               np.array([10, 20, 256, 148]) / 256, rtol=1e-6)


def test_ssltie_soundnet_paths_are_read_as_clip_ids(flickr_root):
    """SSL-TIE's Flickr training lists name clips by their SoundNet release path
    (``videos/<a>/<b>/<c>/<id>.mp4``, or ``videos2/`` with eight digit folders); the
    prepared layout has ``frames/<id>.jpg``."""
    ssltie = flickr_root / 'meta' / 'train_flickr_10k.txt'
    ssltie.write_text('videos/0/0/0/1000.mp4\nvideos2/0/0/0/0/1/0/0/1/1001.mp4\n')
    assert read_id_list(str(ssltie)) == ['1000', '1001']
    init_default_scope('avloc')
    dataset = FlickrSoundNetDataset(
        data_root=str(flickr_root), ann_file='meta/train_flickr_10k.txt', audio_ext='.wav',
        pipeline=[dict(type='LoadFrame')])
    assert [dataset.get_data_info(i)['clip_id'] for i in range(2)] == ['1000', '1001']
    assert dataset.get_data_info(1)['frame_path'].endswith('frames/1001.jpg')
    # Still a path that is checked as read: one leaving the root stops on its line.
    ssltie.write_text('videos/0/0/0/1000.mp4\nvideos/0/../../../1001.mp4\n')
    with pytest.raises(ValueError, match=r'train_flickr_10k.txt:2: .* has a "\.\." '
                                         'component'):
        read_id_list(str(ssltie))
