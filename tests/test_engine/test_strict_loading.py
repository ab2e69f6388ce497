"""AVLocRunner puts a checkpoint into its model only if it fits (``load_from``,
``tools/test.py``, ``--resume``), unless the config sets ``load_strict=False``; a
released SSL-TIE state dict is recognised and converted."""
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from test_runner import TinyModel, tiny_runner
from test_tools.test_ssltie_converter import released_state_dict
from tool_runner import ROOT

from avloc.engine import AVLocRunner
from avloc.models.converters import CheckpointMismatchError, ConversionError
from avloc.registry import MODELS


def saved(tmp_path, name: str, content) -> str:
    path = str(tmp_path / name)
    torch.save(content, path)
    return path


def test_a_checkpoint_that_does_not_fit_is_refused_naming_its_keys(tmp_path):
    runner = tiny_runner(str(tmp_path), max_epochs=1)
    good = TinyModel().state_dict()
    cases = {
        'renamed': ({f'x.{k}': v for k, v in good.items()},
                    r"2 missing keys \(linear.weight, linear.bias\); 2 unexpected keys"),
        'missing': ({'linear.weight': good['linear.weight']}, r"1 missing key \(linear.bias\)"),
        'mis-shaped': ({**good, 'linear.weight': torch.zeros(3, 2)},
                       r'1 shape mismatch \(linear.weight: checkpoint \(3, 2\) vs model '
                       r'\(1, 2\)\)'),
    }
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    for name, (state_dict, message) in cases.items():
        path = saved(tmp_path, f'{name}.pth', dict(state_dict=state_dict))
        with pytest.raises(CheckpointMismatchError, match=f'{path}: .*{message}'):
            runner.load_checkpoint(path)
    after = runner.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # nothing loaded
    with pytest.raises(CheckpointMismatchError, match='holds a list, not a checkpoint dict'):
        runner.load_checkpoint(saved(tmp_path, 'list.pth', [good['linear.weight']]))


def test_load_strict_false_loads_what_fits_and_warns(tmp_path, caplog):
    runner = tiny_runner(str(tmp_path), max_epochs=1)
    runner.cfg.load_strict = False
    weight = torch.full((1, 2), 7.0)
    path = saved(tmp_path, 'partial.pth', {'linear.weight': weight, 'extra': torch.ones(1)})
    runner.load_checkpoint(path)
    assert torch.equal(runner.model.linear.weight, weight)


def test_a_fitting_checkpoint_with_a_ddp_prefix_loads(tmp_path):
    runner = tiny_runner(str(tmp_path), max_epochs=1)
    good = {f'module.{k}': torch.full_like(v, 3.0) for k, v in TinyModel().state_dict().items()}
    runner.load_checkpoint(saved(tmp_path, 'ddp.pth', dict(state_dict=good)))
    assert (runner.model.linear.weight == 3).all()


def ssltie_runner(tmp_path) -> AVLocRunner:
    init_default_scope('avloc')
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', '_base_', 'models', 'ssltie_r18.py'))
    return AVLocRunner(model=MODELS.build(cfg.model), work_dir=str(tmp_path),
                       default_scope='avloc')


def test_a_released_ssltie_state_dict_is_converted_on_load(tmp_path):
    """The released checkpoint, and its state dict re-saved bare (what the refusal of
    a pickled file advises), load as the converter would convert them."""
    runner = ssltie_runner(tmp_path)
    released = released_state_dict()
    bare = saved(tmp_path, 'bare.pth', {f'module.{k}': v for k, v in released.items()})
    whole = saved(tmp_path, 'whole.pth.tar', dict(epoch=3, state_dict=released,
                                                  best_miou=np.float64(0.4)))
    for path in (bare, whole):
        runner.load_checkpoint(path)
        model = runner.model
        assert torch.equal(model.visual_encoder.layer4[1].conv2.weight,
                           released['imgnet.layer4.1.conv2.weight'])
        assert torch.equal(model.audio_encoder.conv1.weight, released['audnet.conv1_a.weight'])


def test_a_released_layout_that_does_not_convert_names_the_converter(tmp_path):
    runner = ssltie_runner(tmp_path)
    released = released_state_dict()
    released.pop('imgnet.layer1.0.conv1.weight')
    path = saved(tmp_path, 'broken.pth', released)
    with pytest.raises(ConversionError,
                       match=r'1 missing key \(imgnet.layer1.0.conv1.weight\).*ssltie_to_avloc'):
        runner.load_checkpoint(path)


def test_a_checkpoint_trained_as_another_model_type_is_refused(tmp_path):
    """Same tensors, another method: the saved config (meta.cfg) tells them apart."""
    runner = tiny_runner(str(tmp_path), max_epochs=1)
    state = {k: torch.full_like(v, 2.0) for k, v in TinyModel().state_dict().items()}
    meta = dict(cfg="model = dict(type='avloc.OtherModel', depth=2)\n")
    path = saved(tmp_path, 'other.pth', dict(state_dict=state, meta=meta))
    with pytest.raises(CheckpointMismatchError, match=(
            r"other.pth: .*trained with OtherModel \(its meta.cfg says "
            r"model.type='avloc.OtherModel'\), this config builds TinyModel \(set "
            'load_strict=False')):
        runner.load_checkpoint(path)
    own = saved(tmp_path, 'own.pth', dict(state_dict=state, meta=dict(
        cfg="model = dict(type='TinyModel')\n")))
    runner.load_checkpoint(own)  # its own type, under the name it was registered by
    assert (runner.model.linear.weight == 2).all()
    runner.load_checkpoint(path, strict=False)  # asked for: a warning, then loaded
