"""The SSL-TIE checkpoint converter against the public code's forward pass and
training loss (transcribed in ``tests/public_ssltie.py``), on a random checkpoint in
the released layout."""
import importlib.util
import os

import numpy as np
import public_ssltie as public
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import ROOT, run_tool

from avloc.models.augments.random_equivariance_transform import (EquivarianceWarp,
                                                                 rotation_scale_matrix)
from avloc.models.utils import cosine_heatmaps
from avloc.registry import MODELS
from avloc.structures import AVDataSample

SCRIPT = os.path.join(ROOT, 'tools', 'model_converters', 'ssltie_to_avloc.py')
spec = importlib.util.spec_from_file_location('ssltie_to_avloc', SCRIPT)
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)


def released_state_dict(seed=0):
    """Random tensors for every key of the released layout; conv weights scaled by
    fan-in so activations stay O(1), BN statistics non-trivial."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in converter.expected_shapes().items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(1000)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        elif len(shape) == 4:
            fan_in = shape[1] * shape[2] * shape[3]
            state[key] = torch.randn(shape, generator=gen) * (2 / fan_in) ** 0.5
        else:
            state[key] = torch.randn(shape, generator=gen) * 0.1 + (
                1.0 if key.endswith('bn1.weight') or key.endswith('bn2.weight') else 0.0)
    return state


def converted_model(tmp_path, **model_cfg):
    """The base SSL-TIE model (with ``model_cfg`` merged) holding a random released
    checkpoint converted by the CLI; returns the model and the released tensors."""
    released = released_state_dict()
    src, dst = str(tmp_path / 'ssltie.pth.tar'), str(tmp_path / 'avloc.pth')
    torch.save(dict(epoch=42, state_dict={f'module.{k}': v for k, v in released.items()},
                    best_miou=np.float64(0.38), optimizer={}, iteration=1000), src)
    out = run_tool(SCRIPT, src, dst)
    assert 'kept 240 tensors' in out
    converted = torch.load(dst, map_location='cpu', weights_only=True)
    assert list(converted) == ['state_dict']
    init_default_scope('avloc')
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', '_base_', 'models', 'ssltie_r18.py'))
    model = MODELS.build({**cfg.model, **model_cfg})
    model.load_state_dict(converted['state_dict'])  # strict: every weight is set
    return model, released


QUIRK = dict(head=dict(type='LocalizationContrastiveHead', diagonal_quirk=True))


def test_converted_model_gives_the_public_heatmap_and_logits(tmp_path):
    model, released = converted_model(tmp_path, **QUIRK)
    model.eval()
    torch.manual_seed(0)
    frames, spec = torch.randn(2, 3, 224, 224), torch.randn(2, 1, 257, 670)
    with torch.no_grad():
        ours = model(dict(imgs=frames[:, None], spec=spec), mode='tensor')
        audio_map = model.audio_encoder.feature_map(spec)
        logits = model.head.logits(
            cosine_heatmaps(model.visual_encoder(frames), audio_map.amax((2, 3))))
        expected, expected_logits = public.avenet_forward(released, frames, spec)
    assert audio_map.shape == (2, 512, 17, 42)  # layer4 at stride 1, as released
    assert ours.shape == (2, 1, 14, 14)
    assert expected.abs().max() > 0.1  # a non-degenerate map
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(logits, expected_logits, atol=1e-5, rtol=1e-5)


def test_training_loss_equals_the_public_code_on_the_same_weights_and_batch(tmp_path):
    """Train-mode BatchNorm, one visual pass per view, the same draw of T, the
    public logits' diagonal mask, lambda_geo 1."""
    model, released = converted_model(
        tmp_path, view_transform=dict(type='RandomEquivarianceTransform'), **QUIRK)
    model.train()
    angles, scale, flip = torch.tensor([-30.0, 4.0, 17.0]), 0.5, True
    model.view_transform.sample = lambda b, size, device: EquivarianceWarp(
        rotation_scale_matrix(angles, scale, *size), tuple(size), scale, flip)
    torch.manual_seed(0)
    frames, spec = torch.randn(3, 3, 224, 224), torch.randn(3, 1, 257, 200)
    samples = []
    for _ in range(3):
        sample = AVDataSample()
        sample.homography_matrices = torch.eye(3)[None]
        sample.valid_masks = torch.ones(1, 224, 224, dtype=torch.bool)
        samples.append(sample)
    with torch.no_grad():
        losses = model(dict(imgs=frames[:, None], spec=spec), samples, mode='loss')
        expected = public.train_loss(released, frames, spec, angles, scale, flip)
    torch.testing.assert_close(losses['loss_cl'] + losses['loss_equiv'], expected,
                               atol=1e-5, rtol=1e-5)


def test_unknown_missing_and_misshaped_keys_are_named():
    released = released_state_dict()
    with pytest.raises(converter.ConversionError, match=r"1 unexpected key \(extra.w\)"):
        converter.convert(dict(released, **{'extra.w': torch.zeros(1)}), 'x.pth.tar')
    del released['audnet.layer2.0.conv1.weight']
    with pytest.raises(converter.ConversionError,
                       match=r"x.pth.tar: .*1 missing key \(audnet.layer2.0.conv1.weight\)"):
        converter.convert(released, 'x.pth.tar')
    released = released_state_dict()
    released['imgnet.layer1.0.conv1.weight'] = torch.zeros(64, 64, 1, 1)
    with pytest.raises(converter.ConversionError,
                       match=r'imgnet.layer1.0.conv1.weight has shape \(64, 64, 1, 1\), '
                             r'expected \(64, 64, 3, 3\)'):
        converter.convert(released, 'x.pth.tar')


def test_cli_reports_a_file_that_is_not_a_checkpoint(tmp_path):
    bad = tmp_path / 'notes.pth.tar'
    torch.save([1, 2, 3], str(bad))
    with pytest.raises(converter.ConversionError, match='notes.pth.tar: holds a list'):
        converter.load_released(str(bad))
    with pytest.raises(FileNotFoundError, match='absent.pth.tar: checkpoint not found'):
        converter.load_released(str(tmp_path / 'absent.pth.tar'))
