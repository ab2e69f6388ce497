"""LocalizerInferencer: files or arrays in, the heatmaps ``localize`` and
``localize_video`` give out; arrays out of range refused before the model runs."""
import os

import cv2
import numpy as np
import pytest
import torch
from media import RATE, tiny_clip
from tool_runner import ROOT

from avloc.apis import LocalizerInferencer, init_localizer, localize, localize_video
from avloc.fileio import read_image, read_window, write_wav
from avloc.visualization import colour_bar_width

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')


@pytest.fixture(scope='module')
def inferencer():
    torch.manual_seed(0)
    return LocalizerInferencer(init_localizer(CONFIG, random_weights=True), batch_size=2)


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('inferencer')
    frames = tiny_clip(str(root / 'clip.mp4'), seconds=1.0, fps=5)
    for i in range(2):
        cv2.imwrite(str(root / f'frame{i}.png'), frames[i][..., ::-1])
        t = np.arange(RATE) / RATE
        write_wav(str(root / f'tone{i}.wav'),
                  (0.3 * np.sin(2 * np.pi * (300 + 200 * i) * t)).astype(np.float32), RATE)
    return root


def test_files_and_arrays_give_localize_heatmaps_in_batches(inferencer, files):
    inputs = [dict(image=str(files / f'frame{i}.png'), audio=str(files / f'tone{i}.wav'))
              for i in range(2)]  # one batch
    result = inferencer(inputs)
    assert result['visualization'] is None and 'random (untrained)' in result['model']
    for i, prediction in enumerate(result['predictions']):
        frame = read_image(str(files / f'frame{i}.png'))
        audio = read_window(str(files / f'tone{i}.wav'), RATE, 0, None)
        expected = localize(inferencer.model, frame, audio, RATE)
        np.testing.assert_allclose(prediction['heatmap'], expected, atol=1e-5)
        assert prediction['peak'] == pytest.approx(float(expected.max()), abs=1e-5)
        x, y = prediction['peak_xy']
        assert prediction['heatmap'][y, x] == prediction['heatmap'].max()
    # The same clips as arrays: RGB as given, BGR converted, audio at another rate.
    frame = read_image(str(files / 'frame1.png'))
    audio = read_window(str(files / 'tone1.wav'), RATE, 0, None)
    arrays = inferencer([dict(image=frame, audio=audio, sample_rate=RATE, channel_order='rgb'),
                         dict(image=frame[..., ::-1], audio=np.repeat(audio, 2),
                              sample_rate=2 * RATE, channel_order='bgr')])
    for prediction in arrays['predictions']:
        np.testing.assert_allclose(prediction['heatmap'],
                                   result['predictions'][1]['heatmap'], atol=1e-3)


def test_a_video_gives_localize_video_heatmaps_and_writes_outputs(inferencer, files, tmp_path):
    video = str(files / 'clip.mp4')
    result = inferencer(video, out_dir=str(tmp_path), return_vis=True, show_progress=True)
    prediction = result['predictions'][0]
    expected = list(localize_video(inferencer.model, video, batch_size=2))
    np.testing.assert_allclose(prediction['times'], [t for t, _, _ in expected])
    np.testing.assert_allclose(prediction['heatmaps'], np.stack([h for _, _, h in expected]),
                               atol=1e-5)
    assert len(result['visualization'][0]) == 5
    assert result['visualization'][0][0].shape == (48, 64 + colour_bar_width(48), 3)
    assert sorted(os.listdir(tmp_path / 'vis')) == ['0000_clip.mp4']
    saved = np.load(str(tmp_path / 'preds' / '0000_clip.npz'), allow_pickle=False)
    np.testing.assert_array_equal(saved['heatmaps'], prediction['heatmaps'])


def test_an_image_input_writes_its_overlay_and_prediction(inferencer, files, tmp_path):
    inferencer(dict(image=str(files / 'frame0.png'), audio=str(files / 'tone0.wav')),
               out_dir=str(tmp_path), alpha=0.3, scale='frame', colour_bar=False)
    png = cv2.imread(str(tmp_path / 'vis' / '0000_frame0.png'))
    assert png.shape == (48, 64, 3)
    assert set(np.load(str(tmp_path / 'preds' / '0000_frame0.npz'))) == {'heatmap', 'peak'}


@pytest.mark.parametrize('item,message', [
    (dict(image=np.zeros((8, 8, 3), np.uint8), audio=np.zeros(RATE, np.float32),
          sample_rate=RATE), r"inputs\[1\].image: an array does not say its channel order"),
    (dict(image=np.zeros((8, 8, 3), np.uint8), audio=np.zeros(RATE, np.float32),
          sample_rate=RATE, channel_order='hsv'), 'channel_order must be one of'),
    (dict(image=np.zeros((8, 8, 3), np.float32), audio=np.zeros(RATE, np.float32),
          sample_rate=RATE, channel_order='rgb'), r'an \(H, W, 3\) uint8 array'),
    (dict(image=np.zeros((8, 8, 3), np.uint8), audio=np.full(RATE, 3000.0),
          sample_rate=RATE, channel_order='rgb'),
     r'inputs\[1\].audio: audio must be in \[-1, 1\], its largest sample is 3000'),
    (dict(image=np.zeros((8, 8, 3), np.uint8), audio=np.zeros(RATE, np.int16),
          sample_rate=RATE, channel_order='rgb'), 'int16 samples; for 16-bit PCM divide'),
    (dict(image=np.zeros((8, 8, 3), np.uint8), audio=np.zeros((2, RATE), np.float32),
          sample_rate=RATE, channel_order='rgb'), r'audio must be mono, shape \(N,\)'),
    (dict(image=np.zeros((8, 8, 3), np.uint8), audio=np.zeros(RATE, np.float32),
          channel_order='rgb'), "needs its 'sample_rate'"),
    (dict(image='frame0.png'), "give 'video', or 'image' and 'audio'"),
    (42, 'an input is a video path or a dict'),
])
def test_bad_inputs_are_refused_before_the_model_runs(inferencer, item, message, monkeypatch):
    monkeypatch.setattr(inferencer, 'model', None)  # nothing may reach it
    with pytest.raises(ValueError, match=message):
        inferencer([dict(video=os.path.join(ROOT, 'README.md')), item])


def test_a_missing_file_is_named(inferencer, tmp_path):
    with pytest.raises(FileNotFoundError, match=r'inputs\[0\]: .*nothere.mp4: no such file'):
        inferencer(str(tmp_path / 'nothere.mp4'))


def test_localize_refuses_a_path_and_int16_scale_audio(inferencer, files):
    frame = read_image(str(files / 'frame0.png'))
    with pytest.raises(ValueError, match="is a path, and this function takes arrays"):
        localize(inferencer.model, str(files / 'frame0.png'), np.zeros(RATE), RATE)
    with pytest.raises(ValueError, match=r'largest sample is 16383'):
        localize(inferencer.model, frame, np.full(RATE, 16383.0), RATE)


def test_bad_overlay_settings_are_refused_first(inferencer, files):
    with pytest.raises(ValueError, match='alpha must be in'):
        inferencer(str(files / 'clip.mp4'), alpha=2)
