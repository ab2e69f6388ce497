"""The inference API against the model's test_step on the dataset pipeline (the
path tools/test.py takes), on a tiny AVShapes test set and tiny generated videos."""
import os
import re

import cv2
import numpy as np
import pytest
import torch
from media import RATE, tiny_clip
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from tool_runner import ROOT

from avloc.apis import (CheckpointMismatchError, init_localizer, localize, localize_video,
                        to_unit_range)
from avloc.datasets.transforms import LoadFrame
from avloc.fileio import MediaError, decode_window
from avloc.models.converters import expected_shapes
from avloc.registry import DATASETS
from avloc.structures.geometry import heatmap_to_frame

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_localizer(CONFIG, random_weights=True)  # randomly initialised


def test_localize_gives_the_test_step_heatmap(model, tiny_avshapes):
    cfg = Config.fromfile(CONFIG)
    with DefaultScope.overwrite_default_scope('avloc'):
        dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=tiny_avshapes))
    for index in (0, 5):
        item = dataset[index]
        sample = model.test_step(pseudo_collate([item]))[0]  # what tools/test.py scores
        expected = heatmap_to_frame(
            to_unit_range(sample.pred_heatmap[0].numpy()),
            sample.homography_matrices[0].numpy(), sample.img_shape, sample.ori_shape)
        path = item['data_samples'].video_path
        frame = LoadFrame().transform(dict(video_path=path))['img']
        audio = decode_window(path, RATE, 0, None)  # the whole track
        heatmap = localize(model, frame, audio, RATE)
        assert heatmap.shape == frame.shape[:2] == (64, 64)
        assert heatmap.dtype == np.float32 and 0 <= heatmap.min() <= heatmap.max() <= 1
        np.testing.assert_array_equal(heatmap, expected)
        assert heatmap.std() > 0
        # The pipeline only resizes: mapping back is the overlay's plain resize.
        raw = to_unit_range(sample.pred_heatmap[0].numpy())
        np.testing.assert_allclose(heatmap, cv2.resize(raw, (64, 64)), atol=2e-3)


def test_localize_resamples_other_rates(model, tone):
    frame = np.random.default_rng(1).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    at_16k = localize(model, frame, tone, 16000)
    at_32k = localize(model, frame, np.repeat(tone, 2), 32000)  # the same tone, held
    assert at_16k.shape == (30, 50)
    np.testing.assert_allclose(at_32k, at_16k, atol=1e-3)


def test_checkpoints_load_convert_and_mismatch(model, tmp_path):
    path = str(tmp_path / 'avloc.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {'epoch': 1}}, path)
    loaded = init_localizer(CONFIG, path)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)

    released = {f'module.{k}': torch.full(shape, 0.5) for k, shape in expected_shapes().items()}
    torch.save({'epoch': 3, 'state_dict': released, 'best_miou': np.float64(0.4)},
               str(tmp_path / 'ssltie.pth.tar'))
    converted = init_localizer(CONFIG, str(tmp_path / 'ssltie.pth.tar'))
    assert (converted.audio_encoder.conv1.weight == 0.5).all()

    state = dict(model.state_dict())
    state['extra.weight'] = state.pop('visual_encoder.conv1.weight')
    state['audio_encoder.bn1.bias'] = torch.zeros(3)
    torch.save(state, str(tmp_path / 'other.pth'))
    with pytest.raises(CheckpointMismatchError, match=r"other.pth: does not fit .*: 1 missing "
                       r"key \(visual_encoder.conv1.weight\); 1 unexpected key "
                       r"\(extra.weight\); 1 shape mismatch \(audio_encoder.bn1.bias: "
                       r"checkpoint \(3,\) vs model \(64,\)\)"):
        init_localizer(CONFIG, str(tmp_path / 'other.pth'))
    # Not a file: a model-zoo name if avloc.apis.model_zoo is there, else no config.
    with pytest.raises((FileNotFoundError, ValueError), match='no_such.py'):
        init_localizer('no_such.py')


def test_localize_video_centres_the_audio_on_each_frame(model, tmp_path):
    path = str(tmp_path / 'clip.mp4')
    tiny_clip(path)
    out = list(localize_video(model, path, batch_size=4))
    assert len(out) == 50
    assert [round(t, 2) for t, _, _ in out[:3]] == [0.0, 0.04, 0.08]
    time, frame, heatmap = out[25]  # 1 s: the window 0.5-1.5 s
    assert frame.shape == (48, 64, 3) and heatmap.shape == (48, 64)
    audio = decode_window(path, RATE, 0, None)
    np.testing.assert_allclose(heatmap, localize(model, frame, audio[8000:24000], RATE),
                               atol=1e-6)
    assert len(list(localize_video(model, path, fps=10))) == 20


def test_localize_video_refuses_bad_files(model, tmp_path):
    silent = str(tmp_path / 'no_audio.mp4')
    tiny_clip(silent, audio=False)
    with pytest.raises(MediaError, match='no_audio.mp4: no decodable audio stream'):
        localize_video(model, silent)
    junk = tmp_path / 'junk.mp4'
    junk.write_bytes(b'not a video')
    with pytest.raises(MediaError, match='junk.mp4: not a readable video'):
        localize_video(model, str(junk))


def test_a_rotated_video_is_upright_in_the_api_as_in_loadframe(model, tmp_path):
    """A phone's video (a display matrix turning it by 90 degrees) was read upright
    by LoadFrame and sideways by the API, so a demo showed other frames than
    tools/test.py scores. Every reader now gives the same upright frame, bit for bit;
    the overlay video is upright too."""
    import av
    from hostile_media import rotate_mp4

    from avloc.apis import overlay_video, video_info
    from avloc.fileio import write_video
    path = str(tmp_path / 'phone.mp4')
    yy, xx = np.mgrid[:64, :96]
    frames = np.stack([np.stack([xx * 2 + 5 * k, yy * 3, 255 - xx - yy], -1)
                       for k in range(10)]).astype(np.uint8)  # smooth: H.264 keeps it
    t = np.arange(RATE) / RATE
    write_video(path, frames, 10, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
                RATE)
    rotate_mp4(path)
    info = video_info(path)
    assert (info['width'], info['height'], info['rotation']) == (64, 96, 90)
    out = list(localize_video(model, path))
    time, frame, heatmap = out[5]
    assert frame.shape == (96, 64, 3) and heatmap.shape == (96, 64)
    assert np.abs(frame.astype(int) - np.rot90(frames[5], -1)).mean() < 3  # lossy H.264
    cached = LoadFrame(frame_time=time, cache_dir=str(tmp_path / 'cache'))
    for load in (LoadFrame(frame_time=time), cached, cached):  # the last from the cache
        np.testing.assert_array_equal(load(dict(video_path=path))['img'], frame)
    overlay_video(model, path, str(tmp_path / 'out.mp4'), colour_bar=False)
    with av.open(str(tmp_path / 'out.mp4')) as container:
        shown = next(container.decode(video=0))
        assert (shown.width, shown.height) == (64, 96)


def test_the_api_refuses_a_video_claiming_huge_frames_before_decoding(model, tmp_path):
    """A 9-kB clip whose H.264 stream claims 12000x12000 (a real one drove the video
    demo past 12 GB): refused from the header, naming the file, the size, the
    limit and how to raise it; no output file is started."""
    from hostile_media import h264_claiming

    from avloc.apis import overlay_video, video_info
    path = str(tmp_path / 'huge.mp4')
    h264_claiming(path, 12000, 12000)
    message = (f'{path}: a 12000x12000 picture (144.0 MP) is larger than '
               'max_pixels=16777216 (16.8 MP); to read it, pass a larger max_pixels')
    for call in (lambda: video_info(path), lambda: localize_video(model, path),
                 lambda: overlay_video(model, path, str(tmp_path / 'out.mp4'))):
        with pytest.raises(MediaError, match=re.escape(message)):
            call()
    assert not os.path.exists(tmp_path / 'out.mp4')
    small = str(tmp_path / 'small.mp4')
    tiny_clip(small, seconds=1.0)
    assert video_info(small, max_pixels=64 * 48)['width'] == 64
    with pytest.raises(MediaError, match=re.escape('larger than max_pixels=3071')):
        list(localize_video(model, small, max_pixels=64 * 48 - 1))
