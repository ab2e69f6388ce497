import os
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import VISBACKENDS
from mmengine.visualization import BaseVisBackend, Visualizer

from avloc.engine.hooks import HeatmapVisualizationHook
from avloc.structures import AVDataSample
from avloc.visualization import FIXED_RANGE, colour_bar, colour_bar_width

GREEN = (0, 255, 0)


@VISBACKENDS.register_module(force=True)
class RecordingVisBackend(BaseVisBackend):
    """Keeps every ``add_image`` call, as TensorBoard or W&B would receive it."""

    def _init_env(self):
        pass

    @property
    def experiment(self):
        return self

    def add_image(self, name, image, step=0, **kwargs):
        self.images = getattr(self, 'images', []) + [(name, image, step)]


def make_sample(tmp_path, clip_id, peak=1.0):
    frame = np.full((120, 160, 3), 100, np.uint8)  # the decoded frame, 4x the input
    path = str(tmp_path / f'{clip_id}.png')
    cv2.imwrite(path, frame)
    sample = AVDataSample(metainfo=dict(clip_id=clip_id, frame_path=path,
                                        ori_shape=(120, 160), img_shape=(30, 40)))
    sample.homography_matrices = torch.diag(torch.tensor([0.25, 0.25, 1.0]))[None]
    sample.gt_bboxes = torch.tensor([[0.25, 0.25, 0.75, 0.75]])
    heatmap = torch.zeros(1, 3, 4)
    heatmap[0, 0, 0] = peak  # hot in the top-left cell
    sample.pred_heatmap = heatmap
    return sample


def run_hook(tmp_path, name, backends, out_dir='overlays', num_clips=3, max_images=2,
             peak=1.0, **settings):
    visualizer = Visualizer.get_instance(name, vis_backends=backends,
                                         save_dir=str(tmp_path / 'vis'))
    runner = SimpleNamespace(work_dir=str(tmp_path), visualizer=visualizer, iter=7,
                             logger=SimpleNamespace(info=lambda msg: None))
    hook = HeatmapVisualizationHook(draw=True, out_dir=out_dir, max_images=max_images,
                                    **settings)
    hook.before_test(runner)
    samples = [make_sample(tmp_path, f'clip{i}', peak) for i in range(num_clips)]
    hook.after_test_iter(runner, 0, dict(inputs={}), samples)
    hook.after_test(runner)
    return visualizer


def test_backends_receive_overlays_at_the_frame_size_with_the_boxes(tmp_path):
    visualizer = run_hook(tmp_path, 'hook_recording',
                          [dict(type='LocalVisBackend'), dict(type='RecordingVisBackend')])
    images = visualizer.get_backend('RecordingVisBackend').images
    assert [(name, step) for name, _, step in images] == [('clip0', 7), ('clip1', 7)]
    image = images[0][1]
    # the frame's size, then the colour bar of the fixed scale
    assert image.shape == (120, 160 + colour_bar_width(120), 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(image[:, 160:], colour_bar(120, FIXED_RANGE))
    assert tuple(image[30, 80]) == GREEN and tuple(image[60, 40]) == GREEN  # box edges
    assert tuple(image[29, 80]) != GREEN
    assert image[5, 5, 0] > image[5, 5, 2] and image[110, 150, 2] > image[110, 150, 0]
    local = visualizer.get_backend('LocalVisBackend')._img_save_dir
    assert sorted(os.listdir(local)) == ['clip0_7.png', 'clip1_7.png']
    # --show-dir: the same overlays as PNG files, RGB saved as BGR.
    assert sorted(os.listdir(tmp_path / 'overlays')) == ['clip0.png', 'clip1.png']
    png = cv2.imread(str(tmp_path / 'overlays' / 'clip0.png'))[..., ::-1]
    assert np.array_equal(png, image)


def test_the_per_frame_scale_and_alpha_reach_the_overlay(tmp_path):
    visualizer = run_hook(tmp_path, 'hook_frame_scale', [dict(type='RecordingVisBackend')],
                          out_dir=None, peak=0.5, scale='frame', alpha=1.0)
    image = visualizer.get_backend('RecordingVisBackend').images[0][1]
    # the map's own range on the bar: cosine 0 at the bottom, 0.5 at the top
    np.testing.assert_array_equal(image[:, 160:], colour_bar(120, (0.5, 0.75)))
    assert tuple(image[110, 150]) == (0, 0, 128)  # alpha 1: JET's darkest blue, no frame
    assert tuple(image[0, 0]) == (128, 0, 0)  # the peak of 0.5: JET's darkest red


@pytest.mark.parametrize('settings,message', [
    (dict(scale='auto'), "scale must be one of"), (dict(alpha=-0.1), 'alpha must be in')])
def test_bad_hook_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        HeatmapVisualizationHook(draw=True, **settings)


def test_no_out_dir_sends_to_the_visualizer_only(tmp_path):
    visualizer = run_hook(tmp_path, 'hook_no_dir', [dict(type='RecordingVisBackend')],
                          out_dir=None, max_images=5)
    assert len(visualizer.get_backend('RecordingVisBackend').images) == 3
    assert not osp.exists(tmp_path / 'overlays')


def test_tensorboard_backend_receives_the_overlays(tmp_path):
    pytest.importorskip('tensorboard')
    visualizer = run_hook(tmp_path, 'hook_tensorboard', [dict(type='TensorboardVisBackend')])
    visualizer.get_backend('TensorboardVisBackend').close()
    logs = os.listdir(tmp_path / 'vis' / 'vis_data')
    assert any(name.startswith('events.out.tfevents') for name in logs)


def test_the_documented_tensorboard_switch_adds_the_backend(tmp_path):
    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    with open(osp.join(root, 'configs', '_base_', 'default_runtime.py')) as f:
        text = f.read()
    switch = "# vis_backends.append(dict(type='TensorboardVisBackend'))"
    assert switch in text
    path = tmp_path / 'runtime_tb.py'
    path.write_text(text.replace(switch, switch[2:]))
    backends = Config.fromfile(str(path)).visualizer.vis_backends
    assert [b['type'] for b in backends] == ['LocalVisBackend', 'TensorboardVisBackend']
