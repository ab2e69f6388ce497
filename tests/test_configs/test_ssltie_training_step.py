"""The SSL-TIE paper configs train as the public code's step does (ssltie.md,
"Details of the public training step"): two BatchNorm updates of the audio encoder
per step, the public crop's resampling, and silent or short clips kept."""
import os

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image
from tool_runner import ROOT
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as TF

from avloc.registry import TRANSFORMS

# The paper configs that train, as test_training_lists.py lists them (each
# _select-on-test config inherits its base's training pipeline and model).
TRAINING = ['ssltie_r18_1xb32-100e_vggsound144k.py',
            'ssltie_r18_1xb32-100e_vggsound144k-mix.py',
            'ssltie_r18_1xb32-100e_vggsound144k_device-aug.py',
            'ssltie_r18_1xb32-100e_vggsound10k.py',
            'ssltie_r18_1xb32-100e_flickr10k.py',
            'ssltie_r18_1xb32-100e_flickr144k.py',
            'ssltie_r18_1xb32-100e_vggsound-heard110_test-heard.py']


def load(name: str) -> Config:
    return Config.fromfile(os.path.join(ROOT, 'configs', 'ssltie', name))


def train_steps(cfg: Config) -> list:
    """Every transform config of the training pipeline, MultiView's and MixAudio's
    loader included."""
    steps = []
    for step in cfg.train_dataloader.dataset.pipeline:
        steps.append(step)
        steps.extend(step.get('transforms', []))
        if 'loader' in step:
            steps.append(step['loader'])
    return steps


@pytest.mark.parametrize('name', TRAINING)
def test_audio_batchnorm_updates_twice_per_step(name):
    assert load(name).model.audio_encoder.bn_updates_per_pass == 2


@pytest.mark.parametrize('name', TRAINING)
def test_silent_and_short_training_clips_are_kept(name):
    loaders = [s for s in train_steps(load(name)) if s['type'] == 'LoadAudio']
    assert loaders and all(s.get('keep_silent_and_short') for s in loaders)


@pytest.mark.parametrize('name', TRAINING)
def test_training_crop_is_the_public_crop(name):
    """The config's crop of a 299x299 frame (the public extractor's size) and of a
    97x61 one: torchvision's resized_crop on the PIL image of the box the
    homography records, within one grey level."""
    init_default_scope('avloc')
    crops = [s for s in train_steps(load(name)) if s['type'] == 'RandomAreaCrop']
    assert len(crops) == 1 and crops[0].get('backend') == 'pillow'
    crop = TRANSFORMS.build(crops[0])
    rng = np.random.default_rng(0)
    for w, h in [(299, 299), (97, 61)]:
        frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        for seed in range(3):
            np.random.seed(seed)
            out = crop(dict(img=frame))
            matrix = out['homography_matrix'].astype(np.float64)
            sx, sy = matrix[0, 0], matrix[1, 1]
            x0, y0 = round(-matrix[0, 2] / sx), round(-matrix[1, 2] / sy)
            public = TF.resized_crop(Image.fromarray(frame), y0, x0, round(224 / sy),
                                     round(224 / sx), [224, 224],
                                     InterpolationMode.BILINEAR)
            assert np.abs(out['img'].astype(int) - np.array(public)).max() <= 1
