import os

import pytest
import torch
from mmengine.registry import init_default_scope
from torchvision.models import resnet18

import avloc.models.encoders.resnet18 as resnet18_module
import avloc.utils.download as download_module
from avloc.models import AudioResNet18, VisualResNet18
from avloc.models.encoders.resnet18 import _resolve_url
from avloc.registry import MODELS
from avloc.utils.download import file_sha256


def torchvision_checkpoint(path, seed=0):
    """A torchvision ResNet-18 state dict (random weights) saved as a file."""
    torch.manual_seed(seed)
    state = resnet18(weights=None).state_dict()
    torch.save(state, str(path))
    return state


def assert_loaded(encoder, state, skip=()):
    own = encoder.state_dict()
    for key, value in own.items():
        if key in skip:
            continue
        torch.testing.assert_close(value, state[key], atol=0, rtol=0, msg=key)


def test_shapes_and_public_strides():
    assert VisualResNet18()(torch.zeros(1, 3, 224, 224)).shape == (1, 512, 14, 14)
    audio = AudioResNet18()
    assert audio.feature_map(torch.zeros(1, 1, 257, 670)).shape == (1, 512, 17, 42)
    assert audio(torch.zeros(2, 1, 257, 100)).shape == (2, 512)
    assert AudioResNet18(layer4_stride=2).feature_map(
        torch.zeros(1, 1, 257, 670)).shape == (1, 512, 9, 21)
    assert [k for k in VisualResNet18().state_dict()][:2] == ['conv1.weight', 'bn1.weight']


def test_pretrained_file_sets_every_trunk_weight(tmp_path):
    state = torchvision_checkpoint(tmp_path / 'r18.pth')
    encoder = VisualResNet18(init_cfg=dict(type='Pretrained',
                                           checkpoint=str(tmp_path / 'r18.pth')))
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    encoder.init_weights()
    assert_loaded(encoder, state)
    changed = [k for k, v in encoder.state_dict().items()
               if k.endswith('weight') and not torch.equal(v, before[k])]
    assert len(changed) == sum(k.endswith('weight') for k in before)


def test_audio_encoder_keeps_its_one_channel_stem(tmp_path):
    state = torchvision_checkpoint(tmp_path / 'r18.pth')
    encoder = AudioResNet18(init_cfg=dict(type='Pretrained',
                                          checkpoint=str(tmp_path / 'r18.pth')))
    stem = encoder.conv1.weight.clone()
    encoder.init_weights()
    assert_loaded(encoder, state, skip={'conv1.weight'})
    torch.testing.assert_close(encoder.conv1.weight, stem)


def test_prefixed_checkpoint_loads_with_prefix(tmp_path):
    state = torchvision_checkpoint(tmp_path / 'r18.pth')
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in state.items()}},
               str(tmp_path / 'wrapped.pth'))
    encoder = VisualResNet18(init_cfg=dict(type='Pretrained', prefix='backbone',
                                           checkpoint=str(tmp_path / 'wrapped.pth')))
    encoder.init_weights()
    assert_loaded(encoder, state)


def test_checkpoint_matching_no_key_is_an_error(tmp_path):
    state = torchvision_checkpoint(tmp_path / 'r18.pth')
    torch.save({f'trunk.{k}': v for k, v in state.items()}, str(tmp_path / 'other.pth'))
    encoder = VisualResNet18(init_cfg=dict(type='Pretrained',
                                           checkpoint=str(tmp_path / 'other.pth')))
    with pytest.raises(ValueError, match=r'other.pth: no key matches VisualResNet18'):
        encoder.init_weights()


def test_torchvision_scheme_reads_the_torch_hub_cache(tmp_path, monkeypatch):
    """``torchvision://resnet18`` resolves to torchvision's URL; with the file in
    the hub cache nothing is downloaded. The cached file is checked against the hash
    prefix of its name, so the random weights stand under their own hash's name."""
    assert _resolve_url('torchvision://resnet18') == (
        'https://download.pytorch.org/models/resnet18-f37072fd.pth')
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    cache = tmp_path / 'hub' / 'checkpoints'
    os.makedirs(cache)
    state = torchvision_checkpoint(tmp_path / 'weights.pth')
    name = f'resnet18-{file_sha256(str(tmp_path / "weights.pth"))[:8]}.pth'
    os.replace(tmp_path / 'weights.pth', cache / name)
    monkeypatch.setattr(resnet18_module, 'get_torchvision_models', lambda: dict(
        resnet18=f'https://download.pytorch.org/models/{name}'))
    monkeypatch.setattr(download_module, '_fetch', None)  # a download would fail
    encoder = VisualResNet18(init_cfg=dict(type='Pretrained',
                                           checkpoint='torchvision://resnet18'))
    encoder.init_weights()
    assert_loaded(encoder, state)


def test_model_init_weights_reaches_the_encoder(tmp_path):
    """As the Runner initialises a model: SSLTIE.init_weights() loads the file into
    the visual encoder and leaves the audio encoder's random init."""
    state = torchvision_checkpoint(tmp_path / 'r18.pth')
    init_default_scope('avloc')
    model = MODELS.build(dict(
        type='SSLTIE', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18', init_cfg=dict(
            type='Pretrained', checkpoint=str(tmp_path / 'r18.pth'))),
        audio_encoder=dict(type='AudioResNet18'),
        head=dict(type='LocalizationContrastiveHead')))
    audio_before = model.audio_encoder.layer1[0].conv1.weight.clone()
    model.init_weights()
    assert_loaded(model.visual_encoder, state)
    torch.testing.assert_close(model.audio_encoder.layer1[0].conv1.weight, audio_before)


def test_bn_updates_per_pass_equals_running_the_encoder_that_many_times():
    """Two updates per pass (SSL-TIE's audio network, run once per view on the same
    spectrogram) against an encoder that is run twice: the same running statistics
    and counters, from one pass; evaluation updates nothing."""
    torch.manual_seed(0)
    twice_run, updated_twice = AudioResNet18(), AudioResNet18(bn_updates_per_pass=2)
    updated_twice.load_state_dict(twice_run.state_dict())
    assert twice_run.bn1.momentum == 0.1  # the default is torchvision's BatchNorm
    assert updated_twice.bn1.momentum == pytest.approx(0.19)
    before = {k: v.clone() for k, v in twice_run.state_dict().items()}
    for step in range(3):
        spec = torch.randn(4, 1, 32, 48) * (step + 1) + step  # statistics that move
        twice_run(spec)
        expected = twice_run(spec)
        torch.testing.assert_close(updated_twice(spec), expected, atol=0, rtol=0)
    after, ours = twice_run.state_dict(), updated_twice.state_dict()
    assert not torch.allclose(after['bn1.running_var'], before['bn1.running_var'])
    for key, value in after.items():
        torch.testing.assert_close(ours[key], value, rtol=1e-5, atol=1e-6, msg=key)
    assert ours['layer4.1.bn2.num_batches_tracked'] == 6  # two per pass, as run twice
    frozen = {k: v.clone() for k, v in ours.items()}
    updated_twice.eval()(spec)
    for key, value in updated_twice.state_dict().items():
        torch.testing.assert_close(value, frozen[key], atol=0, rtol=0, msg=key)
    with pytest.raises(ValueError, match='bn_updates_per_pass must be a positive int'):
        AudioResNet18(bn_updates_per_pass=0)
