import json
import os
import wave

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from tool_runner import run_tool

from avloc.datasets import VGGSoundDataset
from avloc.datasets.preparation import prepare_clips
from avloc.datasets.synthesis import write_video


@pytest.fixture(scope='module')
def video_dir(tmp_path_factory):
    """Two good 2-s videos, one without audio, one silent, one that is not a video."""
    root = tmp_path_factory.mktemp('videos')
    # Frame t is uniformly grey at 10 t, so the extracted frame tells its time.
    frames = np.stack([np.full((32, 48, 3), 10 * t) for t in range(20)]).astype(np.uint8)
    tone = 0.4 * np.sin(2 * np.pi * 440 * np.arange(32000) / 16000)
    write_video(str(root / 'good_a.mp4'), frames, 10, tone, 16000)
    write_video(str(root / 'good_b.mp4'), frames, 10, tone, 16000)
    write_video(str(root / 'no_audio.mp4'), frames, 10, None, 16000)
    write_video(str(root / 'silent.mp4'), frames, 10, np.zeros(32000), 16000)
    (root / 'broken.mp4').write_bytes(b'not a video at all')
    return str(root)


def test_prepare_validates_extracts_and_resumes(video_dir, tmp_path):
    out = str(tmp_path / 'prepared')
    ids = ['good_a', 'good_b', 'no_audio', 'silent', 'broken', 'gone']
    summary = prepare_clips(video_dir, out, ids, frame_time=1.0, num_workers=2,
                            progress=False)
    assert summary['counts'] == dict(done=2, skipped=0, missing=1, corrupt=3)
    reasons = {c['clip_id']: c['reason'] for c in summary['corrupt']}
    assert 'no decodable audio stream' in reasons['no_audio']
    assert 'silent' in reasons['silent']
    assert 'broken.mp4' in reasons['broken']
    assert summary['missing'][0]['clip_id'] == 'gone'
    frame = cv2.imread(os.path.join(out, 'frames', 'good_a.jpg'))
    assert frame.shape == (32, 48, 3)
    assert abs(frame.mean() - 100) < 4  # frame 10 of a 10-fps video: 1 s
    with wave.open(os.path.join(out, 'audio', 'good_a.wav')) as wav:
        assert wav.getframerate() == 16000 and abs(wav.getnframes() - 32000) < 2000
    with open(os.path.join(out, 'prepare_summary.json')) as f:
        assert json.load(f) == summary
    with open(os.path.join(out, 'meta', 'available.txt')) as f:
        assert f.read().split() == ['good_a', 'good_b']
    # A re-run skips finished clips; an interrupted clip's leftovers do not count.
    os.remove(os.path.join(out, 'frames', 'good_b.jpg'))
    open(os.path.join(out, 'frames', 'good_b.jpg.partial.jpg'), 'w').close()
    again = prepare_clips(video_dir, out, ids, frame_time=1.0, num_workers=1,
                          progress=False)
    assert again['counts'] == dict(done=1, skipped=1, missing=1, corrupt=3)


def test_prepare_script_writes_lists_and_the_dataset_reads_them(video_dir, tmp_path):
    out = str(tmp_path / 'vggsound')
    log = run_tool('tools/data/vggsound/prepare.py', video_dir, '--out-root', out,
                   '--frame-time', '1.0', '--workers', '2')
    assert '2 clips prepared, 0 already done, 0 missing, 3 corrupt' in log
    assert 'vggss_144k.txt: 0 of 144000 clips available' in log
    assert os.path.isfile(os.path.join(out, 'meta', 'vggss.json'))
    init_default_scope('avloc')
    ds = VGGSoundDataset(ann_file='meta/available.txt', data_root=out,
                         data_prefix=dict(frame='frames', audio='audio'),
                         pipeline=[dict(type='LoadFrame'), dict(type='LoadAudio'),
                                   dict(type='AudioToSpectrogram', n_mels=32),
                                   dict(type='PackAVInputs')])
    assert len(ds) == 2 and ds[0]['inputs']['imgs'].shape == (1, 3, 32, 48)


def test_prepare_records_a_video_claiming_huge_frames_without_decoding_it(tmp_path):
    """A clip whose H.264 stream claims 12000x12000 is recorded as corrupt, with the
    size and the limit, from its header (decoding it takes gigabytes)."""
    from hostile_media import h264_claiming
    videos = tmp_path / 'videos'
    videos.mkdir()
    h264_claiming(str(videos / 'huge.mp4'), 12000, 12000)
    summary = prepare_clips(str(videos), str(tmp_path / 'out'), frame_time=0.5,
                            num_workers=1, progress=False)
    assert summary['counts'] == dict(done=0, skipped=0, missing=0, corrupt=1)
    assert 'huge.mp4: a 12000x12000 picture (144.0 MP) is larger than max_pixels' in \
        summary['corrupt'][0]['reason']
