"""The FNAC checkpoint converter: a random checkpoint in the public layout
(``tests/public_fnac.py``) loads strictly into the paper config's model and gives
the public code's heatmaps; the file is read without running its pickle."""
import importlib.util
import os

import numpy as np
import public_fnac as public
import pytest
import torch
from crafted_pickles import ATTACKS, write_attack
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import ROOT, run_tool

from avloc.registry import MODELS

SCRIPT = os.path.join(ROOT, 'tools', 'model_converters', 'fnac_to_avloc.py')
CONFIG = os.path.join(ROOT, 'configs', 'fnac', 'fnac_r18_1xb256-30e_vggsound144k.py')
spec = importlib.util.spec_from_file_location('fnac_to_avloc', SCRIPT)
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)


def released_state_dict(seed=0):
    """Random tensors for every key of the public layout; convolutions scaled by
    fan-in so activations stay O(1), BatchNorm statistics non-trivial."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in public.fnac_shapes().items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(1000)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        elif len(shape) >= 2:
            state[key] = torch.randn(shape, generator=gen) * (
                2 / int(np.prod(shape[1:]))) ** 0.5
        else:
            state[key] = torch.randn(shape, generator=gen) * 0.1 + (
                1.0 if key.endswith(('bn1.weight', 'bn2.weight')) else 0.0)
    return state


def test_layout_is_the_transcriptions():
    """The converter derives the layout from torchvision; the transcription lists it
    by hand from model.py: they agree key for key and shape for shape."""
    assert converter.expected_shapes() == public.fnac_shapes()


def test_converted_checkpoint_gives_the_public_heatmaps(tmp_path):
    released = released_state_dict()
    src, dst = str(tmp_path / 'best.pth'), str(tmp_path / 'avloc.pth')
    # As train.py saves it (np.float64 scores), from a DDP run (module. prefixes).
    torch.save(dict(model={f'module.{k}': v for k, v in released.items()},
                    optimizer={}, epoch=30, best_cIoU=np.float64(0.395),
                    best_Auc=np.float64(0.397)), src)
    out = run_tool(SCRIPT, src, dst)
    assert 'kept 244 tensors' in out and "'best_cIoU': 0.395" in out
    converted = torch.load(dst, map_location='cpu', weights_only=True)
    assert list(converted) == ['state_dict']
    init_default_scope('avloc')
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.load_state_dict(converted['state_dict'])  # strict: every weight is set
    model.eval()
    torch.manual_seed(0)
    frames, spec = torch.randn(2, 3, 224, 224), torch.randn(2, 1, 257, 200)
    with torch.no_grad():
        ours = model(dict(imgs=frames[:, None], spec=spec), mode='tensor')
        maps = model.test_maps(ours, frames)
    _, savl = public.forward(released, frames, spec)
    assert ours.shape == (2, 1, 7, 7)
    torch.testing.assert_close(ours[:, 0], savl * public.TAU, atol=1e-5, rtol=0)
    # The paper config's test-time map: min-max of the bicubic upsampling, the
    # public train.py's validate and test.py's validate2 (pred_av).
    low = maps.amin((2, 3), keepdim=True)
    scaled = ((maps - low) / (maps.amax((2, 3), keepdim=True) - low))[:, 0].numpy()
    np.testing.assert_allclose(scaled, public.test_maps(savl, frames, bicubic=True),
                               atol=1e-5, rtol=0)


def test_unknown_missing_and_misshaped_keys_are_named():
    released = released_state_dict()
    with pytest.raises(converter.ConversionError, match=r"1 unexpected key \(extra.w\)"):
        converter.convert(dict(released, **{'extra.w': torch.zeros(1)}), 'x.pth')
    del released['aud_proj.bias']
    with pytest.raises(converter.ConversionError,
                       match=r"x.pth: .*1 missing key \(aud_proj.bias\)"):
        converter.convert(released, 'x.pth')
    released = released_state_dict()
    released['audnet.conv1.weight'] = torch.zeros(64, 3, 7, 7)
    with pytest.raises(converter.ConversionError,
                       match=r'audnet.conv1.weight has shape \(64, 3, 7, 7\), '
                             r'expected \(64, 1, 7, 7\)'):
        converter.convert(released, 'x.pth')


def test_cli_reports_a_file_that_is_not_a_checkpoint(tmp_path):
    bad = tmp_path / 'notes.pth'
    torch.save([1, 2, 3], str(bad))
    with pytest.raises(converter.ConversionError, match='notes.pth: holds a list'):
        converter.load_released(str(bad))
    torch.save(dict(model=dict(w=[1.0])), str(bad))
    with pytest.raises(converter.ConversionError, match="no 'model' state dict of tensors"):
        converter.load_released(str(bad))
    with pytest.raises(FileNotFoundError, match='absent.pth: checkpoint not found'):
        converter.load_released(str(tmp_path / 'absent.pth'))


@pytest.mark.parametrize('attack', sorted(ATTACKS))
def test_a_crafted_pickle_is_refused_and_never_runs(tmp_path, attack):
    marker = tmp_path / 'pwned'
    src = write_attack(str(tmp_path / 'best.pth'), attack, str(marker))
    with pytest.raises(converter.ConversionError, match='best.pth'):
        converter.load_released(src)
    assert not marker.exists()
