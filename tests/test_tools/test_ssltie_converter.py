"""The SSL-TIE checkpoint converter against a reference forward pass written from the
paper's definition (ssltie.md), on a random checkpoint in the released layout."""
import importlib.util
import os

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import ROOT, run_tool

from avloc.registry import MODELS

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


def reference_resnet(x, sd, prefix, stem, layer4_stride):
    """ResNet-18 with evaluation-mode BN, from the raw tensors."""
    def bn(t, name):
        return F.batch_norm(t, sd[f'{name}.running_mean'], sd[f'{name}.running_var'],
                            sd[f'{name}.weight'], sd[f'{name}.bias'], False, 0.0, 1e-5)

    x = F.relu(bn(F.conv2d(x, sd[f'{prefix}.{stem}.weight'], stride=2, padding=3),
                  f'{prefix}.bn1'))
    x = F.max_pool2d(x, 3, 2, 1)
    for layer, first_stride in ((1, 1), (2, 2), (3, 2), (4, layer4_stride)):
        for block in (0, 1):
            name = f'{prefix}.layer{layer}.{block}'
            stride = first_stride if block == 0 else 1
            out = F.relu(bn(F.conv2d(x, sd[f'{name}.conv1.weight'], stride=stride,
                                     padding=1), f'{name}.bn1'))
            out = bn(F.conv2d(out, sd[f'{name}.conv2.weight'], padding=1), f'{name}.bn2')
            if f'{name}.downsample.0.weight' in sd:
                x = bn(F.conv2d(x, sd[f'{name}.downsample.0.weight'], stride=stride),
                       f'{name}.downsample.1')
            x = F.relu(out + x)
    return x


def reference_heatmap(sd, frames, spec):
    """Cosine of the max-pooled audio embedding with every visual location; only the
    visual ResNet has its layer4 at stride 1."""
    visual = F.normalize(reference_resnet(frames, sd, 'imgnet', 'conv1', 1), dim=1)
    audio = reference_resnet(spec, sd, 'audnet', 'conv1_a', 2).amax((2, 3))
    return torch.einsum('nchw,nc->nhw', visual, F.normalize(audio, dim=1))[:, None]


def test_converted_model_gives_the_reference_heatmap(tmp_path):
    released = released_state_dict()
    src, dst = str(tmp_path / 'ssltie.pth.tar'), str(tmp_path / 'avloc.pth')
    torch.save(dict(epoch=42, state_dict={f'module.{k}': v for k, v in released.items()},
                    best_miou=0.38, optimizer={}, iteration=1000), src)
    out = run_tool(SCRIPT, src, dst)
    assert 'kept 240 tensors' in out
    converted = torch.load(dst, map_location='cpu', weights_only=True)
    assert list(converted) == ['state_dict']
    init_default_scope('avloc')
    model = MODELS.build(Config.fromfile(
        os.path.join(ROOT, 'configs', '_base_', 'models', 'ssltie_r18.py')).model)
    model.load_state_dict(converted['state_dict'])  # strict: every weight is set
    model.eval()
    torch.manual_seed(0)
    frames, spec = torch.randn(2, 3, 112, 112), torch.randn(2, 1, 257, 96)
    with torch.no_grad():
        ours = model(dict(imgs=frames[:, None], spec=spec), mode='tensor')
        expected = reference_heatmap(released, frames, spec)
    assert ours.shape == (2, 1, 7, 7)
    assert expected.abs().max() > 0.1  # a non-degenerate map
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=0)


def test_unknown_missing_and_misshaped_keys_are_named():
    released = released_state_dict()
    with pytest.raises(converter.ConversionError, match=r"1 unknown keys \['extra.w'\]"):
        converter.convert(dict(released, **{'extra.w': torch.zeros(1)}), 'x.pth.tar')
    del released['audnet.layer2.0.conv1.weight']
    with pytest.raises(converter.ConversionError,
                       match=r"x.pth.tar: .*1 missing keys \['audnet.layer2.0.conv1.weight'\]"):
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
