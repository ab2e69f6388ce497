"""SLAVC against a transcription of its public code (``tests/public_slavc.py``) on the
same weights and batch: losses, momentum update, heatmaps and test-time maps; and
its momentum encoders across a save and a resume."""
import importlib.util
import io
import os

import numpy as np
import public_slavc as public
import pytest
import torch
from mmengine.registry import init_default_scope
from random_weights import randomise
from tool_runner import ROOT

from avloc.evaluation.functional import confidence_score
from avloc.registry import MODELS

SCRIPT = os.path.join(ROOT, 'tools', 'model_converters', 'slavc_to_avloc.py')
spec = importlib.util.spec_from_file_location('slavc_to_avloc', SCRIPT)
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)

TAU, DIM = 0.03, 32


def build_slavc(embed_dim=DIM, **kwargs):
    init_default_scope('avloc')
    cfg = dict(
        type='SLAVC', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18', layer4_stride=2),
        audio_encoder=dict(type='AudioResNet18', layer4_stride=2),
        head=dict(type='SLAVCHead', tau=TAU), embed_dim=embed_dim)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def public_and_ours(use_mom_eval=False, **kwargs):
    """The public model with random weights whose momentum copies differ from the
    online ones (so that the EMA step shows), and avloc's SLAVC holding the same
    tensors through the converter."""
    theirs = public.PublicSLAVC(TAU, DIM, 0.0, 0.0, 0.9, 0.8, use_mom_eval)
    randomise(theirs, 0)
    ours = build_slavc(visual_dropout=0.0, momentum_visual=0.9, momentum_audio=0.8,
                       use_mom_eval=use_mom_eval, **kwargs)
    state = converter.convert(theirs.state_dict(), 'public')
    if 'object_encoder' in kwargs:
        saliency = public.object_saliency_model()
        randomise(saliency, 1)
        state = converter.convert(theirs.state_dict(), 'public', saliency.state_dict())
        ours.load_state_dict(state)
        return theirs, ours, saliency
    ours.load_state_dict(state)  # strict
    return theirs, ours


def clips(b=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(b, 3, 224, 224, generator=gen), torch.randn(b, 1, 96, 64,
                                                                   generator=gen)


def test_training_step_equals_the_public_code():
    """Train mode: the loss, its gradients, the EMA step and the momentum
    networks' BatchNorm statistics, all after one forward pass."""
    theirs, ours = public_and_ours()
    theirs.train()
    ours.train()
    frames, spec = clips()
    expected, _ = theirs(frames, spec)
    losses = ours(dict(imgs=frames[:, None], spec=spec), mode='loss')
    assert set(losses) == {'loss_slavc'}
    torch.testing.assert_close(losses['loss_slavc'], expected, atol=1e-5, rtol=1e-5)
    expected.backward()
    losses['loss_slavc'].backward()
    after = converter.convert(theirs.state_dict(), 'public')
    for key, value in ours.state_dict().items():  # EMA and BatchNorm statistics
        torch.testing.assert_close(value, after[key], atol=1e-6, rtol=1e-5, msg=key)
    assert not torch.equal(ours.momentum['visual_proj'].proj1.weight,
                           ours.visual_proj.proj1.weight)
    grads = dict(ours.named_parameters())
    for name, param in theirs.named_parameters():
        if param.grad is not None:
            torch.testing.assert_close(grads[converter.avloc_key(name)].grad, param.grad,
                                       atol=1e-5, rtol=1e-4, msg=name)
    assert all(p.grad is None for p in ours.momentum.parameters())


@pytest.mark.parametrize('use_mom_eval', [False, True])
def test_heatmaps_and_test_maps_equal_the_public_code(use_mom_eval):
    alpha = 0.9
    theirs, ours, saliency = public_and_ours(
        use_mom_eval, object_encoder=dict(type='VisualResNet18', layer4_stride=2),
        test_cfg=dict(ogl_alpha=alpha))
    theirs.eval()
    ours.eval()
    saliency.eval()
    frames, spec = clips(seed=1)
    with torch.no_grad():
        savl = theirs(frames, spec, mode='test')[1]
        heatmaps = ours(dict(imgs=frames[:, None], spec=spec), mode='tensor')
        maps = ours.test_maps(heatmaps, frames)
    assert heatmaps.shape == (3, 1, 7, 7)
    torch.testing.assert_close(heatmaps[:, 0] / TAU, savl, atol=1e-4, rtol=1e-5)
    scores_av, scores_av_obj, conf_av, conf_av_obj = public.validate_scores(
        theirs, saliency, frames, spec, TAU, alpha)
    assert maps.shape == (3, 1, 224, 224)
    np.testing.assert_allclose((maps[:, 0].numpy() + 1) / 2, scores_av_obj, atol=1e-5)
    np.testing.assert_allclose([confidence_score(m[0].numpy()) for m in maps],
                               conf_av_obj, atol=1e-5)
    assert np.ptp(conf_av_obj) > 1e-3  # the clips' confidences differ
    ours.object_encoder = None  # the audio-visual map alone: test.py's AVL row
    av = ours.test_maps(heatmaps, frames)
    np.testing.assert_allclose((av[:, 0].numpy() + 1) / 2, scores_av, atol=1e-5)
    np.testing.assert_allclose([confidence_score(m[0].numpy()) for m in av], conf_av,
                               atol=1e-5)


def test_use_mom_eval_picks_the_momentum_encoders_at_evaluation_only():
    _, ours = public_and_ours(use_mom_eval=True)
    frames, spec = clips(b=2)
    ours.eval()
    with torch.no_grad():
        evaluated = ours.embed_audio(spec)
        assert torch.equal(evaluated, ours._embed_audio(spec, momentum=True))
        assert not torch.equal(evaluated, ours._embed_audio(spec, momentum=False))
    ours.train()
    with torch.no_grad():
        ours.momentum.eval()  # same BatchNorm mode for the comparison
        ours.audio_encoder.eval()
        assert torch.equal(ours.embed_audio(spec), ours._embed_audio(spec, momentum=False))


def train_steps(model, optimizer, batches, seeds):
    for (imgs, spec), seed in zip(batches, seeds):
        torch.manual_seed(seed)  # the dropout draws of this step
        loss = model(dict(imgs=imgs, spec=spec), mode='loss')['loss_slavc']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def test_resumed_training_continues_bit_for_bit():
    """Save the model and optimiser mid-run, load them into fresh ones, continue:
    every tensor (online, momentum, BatchNorm statistics) equals the uninterrupted
    run's. Dropout 0.9 on the visual map, as trained."""
    torch.manual_seed(0)
    batches = [(torch.randn(4, 1, 3, 32, 32), torch.randn(4, 1, 32, 32)) for _ in range(4)]
    seeds = [10, 11, 12, 13]

    def fresh():
        torch.manual_seed(1)
        model = build_slavc(embed_dim=16, visual_dropout=0.9).train()
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)

    straight, straight_opt = fresh()
    train_steps(straight, straight_opt, batches, seeds)

    first, first_opt = fresh()
    train_steps(first, first_opt, batches[:2], seeds[:2])
    buffer = io.BytesIO()
    torch.save(dict(model=first.state_dict(), optimizer=first_opt.state_dict()), buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    resumed, resumed_opt = fresh()
    resumed.load_state_dict(saved['model'])
    resumed_opt.load_state_dict(saved['optimizer'])
    train_steps(resumed, resumed_opt, batches[2:], seeds[2:])

    expected = straight.state_dict()
    assert any(k.startswith('momentum.') for k in expected)
    for key, value in resumed.state_dict().items():
        assert torch.equal(value, expected[key]), key
    # the momentum encoders moved, and not as far as the online ones
    start, _ = fresh()
    w0 = start.visual_proj.proj1.weight
    moved_online = (straight.visual_proj.proj1.weight - w0).abs().sum()
    moved_target = (straight.momentum['visual_proj'].proj1.weight - w0).abs().sum()
    assert 0 < moved_target < moved_online


def test_momentum_copies_start_equal_after_init_weights():
    model = build_slavc(embed_dim=16)
    with torch.no_grad():  # as a pretrained visual init_cfg would change them
        model.visual_encoder.conv1.weight.mul_(2)
    model.init_weights()
    online = model.visual_encoder.state_dict()
    for key, value in model.momentum['visual_encoder'].state_dict().items():
        assert torch.equal(value, online[key]), key
    assert not any(p.requires_grad for p in model.momentum.parameters())


def test_tensor_mode_and_predict_shapes():
    model = build_slavc(embed_dim=16).eval()
    imgs = torch.randn(2, 1, 3, 64, 64)
    out = model(dict(imgs=imgs, spec=torch.randn(2, 1, 64, 40)), mode='tensor')
    assert out.shape == (2, 1, 2, 2)
    assert out.abs().max() <= 1 + 1e-5
