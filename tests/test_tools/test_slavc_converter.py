"""The SLAVC checkpoint converter: a checkpoint in the public layout (made from the
transcription ``tests/public_slavc.py``) loads strictly into the paper config's model
and gives the public heatmaps and test maps; crafted pickles are refused unrun."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import public_slavc as public
import pytest
import torch
from crafted_pickles import write_attack
from mmengine.config import Config
from mmengine.registry import init_default_scope
from random_weights import randomise
from tool_runner import ROOT, run_tool

from avloc.registry import MODELS

SCRIPT = os.path.join(ROOT, 'tools', 'model_converters', 'slavc_to_avloc.py')
PAPER = os.path.join(ROOT, 'configs', 'slavc', 'slavc_r18_1xb128-20e_vggsound144k.py')
spec = importlib.util.spec_from_file_location('slavc_to_avloc', SCRIPT)
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)
TAU, ALPHA = 0.03, 0.9


def released(tmp_path):
    """The public model (the paper's 512-d projections) and saliency network with
    random weights, saved as train.py and torchvision save them."""
    theirs = public.PublicSLAVC(TAU, 512, 0.9, 0.0, 0.999, 0.999, False)
    randomise(theirs, 0)
    saliency = public.object_saliency_model()
    randomise(saliency, 1)
    src = str(tmp_path / 'latest.pth')
    torch.save(dict(model={f'module.{k}': v for k, v in theirs.state_dict().items()},
                    optimizer={}, epoch=20, best_Precision=np.float64(0.4),
                    best_AP=np.float64(0.3), best_F1=0.5), src)
    objects = str(tmp_path / 'resnet18.pth')
    torch.save(saliency.state_dict(), objects)  # a torchvision file: fc.* included
    return theirs, saliency, src, objects


def test_converted_release_gives_the_public_maps_in_the_paper_config(tmp_path):
    theirs, saliency, src, objects = released(tmp_path)
    dst = str(tmp_path / 'avloc.pth')
    out = run_tool(SCRIPT, src, dst, '--object-encoder', objects)
    assert 'kept 616 tensors' in out and "'epoch': 20" in out
    converted = torch.load(dst, map_location='cpu', weights_only=True)
    assert list(converted) == ['state_dict']
    init_default_scope('avloc')
    model = MODELS.build(Config.fromfile(PAPER).model)
    model.load_state_dict(converted['state_dict'])  # strict: every tensor is set
    model.eval()
    theirs.eval()
    saliency.eval()
    gen = torch.Generator().manual_seed(0)
    frames, spec = torch.randn(2, 3, 224, 224, generator=gen), torch.randn(
        2, 1, 96, 64, generator=gen)
    with torch.no_grad():
        heatmaps = model(dict(imgs=frames[:, None], spec=spec), mode='tensor')
        maps = model.test_maps(heatmaps, frames)
        savl = theirs(frames, spec, mode='test')[1]
    assert savl.abs().max() > 1  # a non-degenerate map (|cosine| > 0.03)
    torch.testing.assert_close(heatmaps[:, 0] / TAU, savl, atol=1e-4, rtol=1e-5)
    _, scores_av_obj, _, _ = public.validate_scores(theirs, saliency, frames, spec, TAU,
                                                    ALPHA)
    np.testing.assert_allclose((maps[:, 0].numpy() + 1) / 2, scores_av_obj, atol=1e-5)


def test_without_the_object_encoder_it_fits_a_config_without_one(tmp_path):
    theirs, _, _, _ = released(tmp_path)
    state = converter.convert(theirs.state_dict(), 'latest.pth')
    assert len(state) == 496 and 'momentum.visual_proj.proj2.bias' in state
    init_default_scope('avloc')
    model = MODELS.build(dict(Config.fromfile(PAPER).model, object_encoder=None))
    model.load_state_dict(state)  # strict


def test_unknown_missing_and_misshaped_keys_are_named(tmp_path):
    theirs, _, _, _ = released(tmp_path)
    state = dict(theirs.state_dict())
    with pytest.raises(converter.ConversionError, match=r"1 unexpected key \(extra.w\)"):
        converter.convert(dict(state, **{'extra.w': torch.zeros(1)}), 'x.pth')
    del state['momentum_aud_proj2.bias']
    with pytest.raises(converter.ConversionError,
                       match=r"x.pth: .*1 missing key \(momentum_aud_proj2.bias\)"):
        converter.convert(state, 'x.pth')
    state = dict(theirs.state_dict(), **{'audnet.conv1.weight': torch.zeros(64, 3, 7, 7)})
    with pytest.raises(converter.ConversionError,
                       match=r'audnet.conv1.weight has shape \(64, 3, 7, 7\), '
                             r'expected \(64, 1, 7, 7\)'):
        converter.convert(state, 'x.pth')


@pytest.mark.parametrize('which', ['checkpoint', 'object encoder'])
def test_crafted_pickles_are_refused_without_running(tmp_path, which):
    theirs, _, src, objects = released(tmp_path)
    marker = tmp_path / 'ran'
    evil = write_attack(str(tmp_path / 'evil.pth'), 'getattr chain', str(marker))
    with pytest.raises(converter.ConversionError, match='evil.pth'):
        converter.load_released(evil)
    args = [evil, str(tmp_path / 'out.pth')] if which == 'checkpoint' else [
        src, str(tmp_path / 'out.pth'), '--object-encoder', evil]
    proc = subprocess.run([sys.executable, SCRIPT, *args], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode != 0 and 'evil.pth' in proc.stderr
    assert not marker.exists()
    assert not (tmp_path / 'out.pth').exists()
