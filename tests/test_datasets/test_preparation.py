import json
import os
import wave

import cv2
import numpy as np
import pytest
from counter_frames import counter_frames, read_counter
from mmengine.registry import init_default_scope
from tool_runner import run_tool

from avloc.datasets import VGGSoundDataset
from avloc.datasets.frame_extraction import SSLTIE_VGGSOUND, extract_frame
from avloc.datasets.preparation import prepare_clips
from avloc.fileio import write_video


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


def prepared_dataset(out: str, frames: str) -> VGGSoundDataset:
    """The clips a prepare run made available, read with frames from ``frames/``."""
    init_default_scope('avloc')
    return VGGSoundDataset(ann_file='meta/available.txt', data_root=out,
                           data_prefix=dict(frame=frames, audio='audio'),
                           pipeline=[dict(type='LoadFrame'), dict(type='LoadAudio'),
                                     dict(type='AudioToSpectrogram', n_mels=32),
                                     dict(type='PackAVInputs')])


def test_prepare_script_writes_lists_and_the_dataset_reads_them(video_dir, tmp_path):
    out = str(tmp_path / 'vggsound')
    log = run_tool('tools/data/vggsound/prepare.py', video_dir, '--out-root', out,
                   '--frame-time', '1.0', '--workers', '2')
    assert '2 clips prepared, 0 already done, 0 missing, 3 corrupt' in log
    assert 'vggss_144k.txt: 0 of 144000 clips available' in log
    assert os.path.isfile(os.path.join(out, 'meta', 'vggss.json'))
    ds = prepared_dataset(out, 'frames')
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


@pytest.fixture(scope='module')
def ssltie_videos(tmp_path_factory):
    """A 5.2-s and a 4.9-s clip at 30 fps whose frames show their index (see
    counter_frames), with a tone."""
    root = tmp_path_factory.mktemp('ssltie_videos')
    for name, count in (('long', 156), ('short', 147)):
        tone = 0.4 * np.sin(2 * np.pi * 440 * np.arange(count * 16000 // 30) / 16000)
        write_video(str(root / f'{name}.mp4'), counter_frames(count), 30, tone, 16000)
    return str(root)


def test_prepare_ssltie_layout_writes_the_public_extractors_frame(ssltie_videos, tmp_path):
    """frames_ssltie/<id>.jpg is 125.jpg of ``ffmpeg -vf fps=25 -s 299x299``; a clip
    that has no such file is corrupt, with the reason; the native layout beside it
    is untouched."""
    out = str(tmp_path / 'prepared')
    summary = prepare_clips(ssltie_videos, out, frame_layout='ssltie', num_workers=1,
                            progress=False)
    assert summary['counts'] == dict(done=1, skipped=0, missing=0, corrupt=1)
    assert summary['frame'] == dict(
        layout='ssltie', folder='frames_ssltie',
        command='ffmpeg -i VIDEO -vf fps=25 -s 299x299 DIR/%03d.jpg, file 125.jpg')
    reason = summary['corrupt'][0]['reason']
    assert summary['corrupt'][0]['clip_id'] == 'short'
    assert 'short.mp4: no 125.jpg' in reason
    assert 'makes 123 files, the video ends at 4.900 s' in reason  # round(4.9 * 25)
    assert 'the public pipeline has no frame for this clip' in reason
    path = os.path.join(out, 'frames_ssltie', 'long.jpg')
    with open(path, 'rb') as f:
        assert f.read() == extract_frame(os.path.join(ssltie_videos, 'long.mp4'),
                                         SSLTIE_VGGSOUND)[0]
    frame = cv2.imread(path)[..., ::-1]
    assert frame.shape == (299, 299, 3) and read_counter(frame) == 149  # 4.967 s
    assert not os.path.exists(os.path.join(out, 'frames'))
    # The native layout goes to frames/ (audio/ is shared); the short clip has a 1-s frame.
    native = prepare_clips(ssltie_videos, out, frame_time=1.0, num_workers=1,
                           progress=False)
    assert native['counts'] == dict(done=2, skipped=0, missing=0, corrupt=0)
    assert native['frame'] == dict(layout='native', folder='frames', time=1.0)
    assert cv2.imread(os.path.join(out, 'frames', 'long.jpg')).shape == (48, 64, 3)


def test_prepare_script_frame_layout_ssltie_and_its_help(ssltie_videos, tmp_path):
    out = str(tmp_path / 'vggsound')
    log = run_tool('tools/data/vggsound/prepare.py', ssltie_videos, '--out-root', out,
                   '--frame-layout', 'ssltie', '--workers', '1')
    assert '1 clips prepared, 0 already done, 0 missing, 1 corrupt' in log
    assert f'frames in {os.path.join(out, "frames_ssltie")} (ssltie layout)' in log
    ds = prepared_dataset(out, 'frames_ssltie')
    assert len(ds) == 1 and ds[0]['inputs']['imgs'].shape == (1, 3, 299, 299)
    # --help says what the layout is and which command it reproduces.
    help_text = ' '.join(run_tool('tools/data/vggsound/prepare.py', '--help').split())
    assert "ssltie: frames_ssltie/<id>.jpg, the frame the public SSL-TIE code trains on " \
        "(utils/convert_video2frames.py's 125.jpg: the frame at 4.96 s, squashed to " \
        '299x299)' in help_text
    assert '--frame-layout ssltie reproduces: ffmpeg -i VIDEO -vf fps=25 -s 299x299 ' \
        'DIR/%03d.jpg, file 125.jpg' in help_text
