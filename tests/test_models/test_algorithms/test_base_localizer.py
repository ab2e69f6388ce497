"""Every registered localiser, built from each of its configs, keeps the contract of
:class:`avloc.models.BaseLocalizer` (docs/new_method.md)."""
import glob
import os.path as osp
from collections import defaultdict

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import ROOT

from avloc.models import BaseLocalizer
from avloc.registry import MODELS
from avloc.structures import AUDIO_CONTROLS, AVDataSample

init_default_scope('avloc')
METHODS = sorted(name for name, cls in MODELS.module_dict.items()
                 if isinstance(cls, type) and issubclass(cls, BaseLocalizer)
                 and cls is not BaseLocalizer)


def configs_by_method():
    """Registered model type -> the first config of each distinct model it has
    (many configs share one model and differ only in their data)."""
    found, seen = defaultdict(list), set()
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)):
        if '_base_' in path.split(osp.sep) or not osp.basename(path)[0].isalpha():
            continue
        model = Config.fromfile(path).get('model')
        if not isinstance(model, dict) or model.get('type') not in METHODS:
            continue
        key = Config(dict(model=model)).pretty_text
        if key not in seen:
            seen.add(key)
            found[model['type']].append(osp.relpath(path, ROOT))
    return found


CONFIGS = configs_by_method()
CASES = [(method, path) for method in METHODS for path in CONFIGS.get(method, [])]


def batch(views, b=3, size=64, other_audio=True):
    """A batch as the data pipeline packs it: frames, spectrograms, the other-audio
    control's spectrograms and data samples with their view geometry."""
    gen = torch.Generator().manual_seed(0)
    inputs = dict(
        imgs=[torch.randint(0, 255, (views, 3, size, size), dtype=torch.uint8,
                            generator=gen) for _ in range(b)],
        spec=[torch.randn(1, 32, 40, generator=gen) for _ in range(b)])
    if other_audio:  # the audio controls
        for name in ('other', 'silence', 'noise'):
            inputs[f'{name}_spec'] = [torch.randn(1, 32, 40, generator=gen) for _ in range(b)]
    samples = []
    for i in range(b):
        sample = AVDataSample(metainfo=dict(clip_id=str(i), ori_shape=(size, size)))
        sample.homography_matrices = torch.eye(3).repeat(views, 1, 1)
        sample.valid_masks = torch.ones(views, size, size, dtype=torch.bool)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build(path):
    cfg = Config.fromfile(osp.join(ROOT, path))
    torch.manual_seed(0)
    return MODELS.build(cfg.model), cfg.model


def test_every_registered_method_has_a_config():
    assert {'LVS', 'SSLTIE', 'EZVSL'} <= set(METHODS)
    assert not set(METHODS) - set(CONFIGS), 'methods without a config under configs/'


@pytest.mark.parametrize('method,path', CASES)
def test_config_builds_a_localiser_that_keeps_the_contract(method, path):
    model, model_cfg = build(path)
    assert type(model).__name__ == method
    views = 1 if model_cfg.get('view_transform') else 2
    data = model.data_preprocessor(batch(views), True)
    imgs, spec = data['inputs']['imgs'], data['inputs']['spec']

    model.train()
    losses = model(**data, mode='loss')
    assert losses and all(k.startswith('loss') for k in losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert model.visual_encoder.conv1.weight.grad.abs().sum() > 0
    assert model.audio_encoder.conv1.weight.grad.abs().sum() > 0

    model.eval()
    maps = model(**data, mode='tensor')
    b = imgs.shape[0]
    assert maps.ndim == 4 and maps.shape[:2] == (b, 1)
    torch.testing.assert_close(maps, model.heatmaps(*model.embed(imgs[:, 0], spec)))
    torch.testing.assert_close(model.embed_audio(spec), model.embed(imgs[:, 0], spec)[1])
    if views > 1:  # view 0's maps: the other views change nothing
        other = dict(data['inputs'], imgs=torch.cat([imgs[:, :1], imgs[:, 1:].flip(0)], 1))
        torch.testing.assert_close(model(other, data['data_samples'], mode='tensor'), maps)

    samples = model(**data, mode='predict')
    assert len(samples) == b
    for sample in samples:
        assert sample.pred_heatmap.ndim == 3 and sample.pred_heatmap.shape[0] == 1
        assert sample.audio_embedding.ndim == sample.visual_embedding.ndim == 1
        assert torch.isfinite(sample.pred_heatmap).all()
    for control in AUDIO_CONTROLS:  # each control: the frame's map with that audio
        swapped = dict(data['inputs'], spec=data['inputs'][control.prefix + 'spec'])
        expected = model(swapped, batch(views)['data_samples'], mode='predict')
        for sample, reference in zip(samples, expected):
            torch.testing.assert_close(sample.get(control.field), reference.pred_heatmap)


@pytest.mark.parametrize('method', METHODS)
def test_a_misspelt_test_cfg_key_is_an_error(method):
    path = CONFIGS[method][0]
    cfg = Config.fromfile(osp.join(ROOT, path))
    cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {}, visual_poling='max')
    with pytest.raises(ValueError, match='visual_poling'):
        MODELS.build(cfg.model)
