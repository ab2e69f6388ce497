"""FNAC against a transcription of its public code (``tests/public_fnac.py``): the same
weights and batch give the same losses, term by term, the same heatmaps and the same
test-time maps."""
import numpy as np
import public_fnac as public
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope

from avloc.evaluation.functional.ciou import minmax_normalize
from avloc.registry import MODELS
from avloc.structures import AVDataSample
from avloc.structures.geometry import resize_heatmap

SIZE = 160  # 5 x 5 maps at output stride 32
RENAME = {'imgnet.': 'visual_encoder.', 'img_proj.': 'visual_proj.',
          'audnet.': 'audio_encoder.', 'aud_proj.': 'audio_proj.'}


def public_state_dict(seed=0, dim=512):
    """Random tensors in the public layout; convolutions scaled by fan-in so the
    activations stay O(1), BatchNorm statistics non-trivial."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in public.fnac_shapes(dim).items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(100)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        elif len(shape) >= 2:
            fan_in = int(np.prod(shape[1:]))
            state[key] = torch.randn(shape, generator=gen) * (2 / fan_in) ** 0.5
        else:
            state[key] = torch.randn(shape, generator=gen) * 0.1 + (
                1.0 if key.endswith(('bn1.weight', 'bn2.weight')) else 0.0)
    return state


def object_state_dict(seed=1):
    """torchvision-named ResNet-18 weights for the object-guided prior."""
    state = public_state_dict(seed)
    return {k[len('imgnet.'):]: v for k, v in state.items() if k.startswith('imgnet.')}


def renamed(state):
    out = {}
    for key, value in state.items():
        prefix = next(p for p in RENAME if key.startswith(p))
        out[RENAME[prefix] + key[len(prefix):]] = value
    return out


def build_fnac(state=None, head=None, ogl=False, **kwargs):
    init_default_scope('avloc')
    model = MODELS.build(dict(
        type='FNAC', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18', layer4_stride=2),
        audio_encoder=dict(type='AudioResNet18', layer4_stride=2),
        head=dict(type='FNACHead', **(head or {})),
        object_encoder=dict(type='VisualResNet18', layer4_stride=2) if ogl else None,
        **kwargs))
    if state is not None:
        model.load_state_dict(renamed(state), strict=not ogl)
    if ogl:
        model.object_encoder.load_state_dict(object_state_dict())
    return model


def inputs(b=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 3, SIZE, SIZE, generator=gen),
            torch.randn(b, 1, 64, 80, generator=gen))


def test_defaults_are_the_public_scripts():
    model = build_fnac()
    assert model.visual_dropout.p == 0.9 and model.audio_dropout.p == 0.0
    assert model.visual_proj.out_channels == 512 and model.audio_proj.out_features == 512
    head = model.head
    assert (head.tau, head.fg_threshold) == (0.03, 0.6)
    assert (head.fns_audio_weight, head.tns_weight, head.fns_visual_weight) == (100,) * 3


def test_each_loss_term_equals_the_public_code():
    """Train-mode BatchNorm, dropout off: loss, fnac_loss1-3 of calculate_loss."""
    state = public_state_dict()
    model = build_fnac(state, visual_dropout=0.0).train()
    frames, spec = inputs()
    losses = model(dict(imgs=frames[:, None], spec=spec), mode='loss')
    expected, own = public.forward(state, frames, spec, training=True)  # own: Savl
    assert set(losses) == {'loss_mil', 'loss_fns_audio', 'loss_tns', 'loss_fns_visual'}
    for name, term, weight in (('loss_mil', expected[0], 1),
                               ('loss_fns_audio', expected[1], 100),
                               ('loss_tns', expected[2], 100),
                               ('loss_fns_visual', expected[3], 100)):
        assert term > 1e-4, name  # every term is at work on this batch
        torch.testing.assert_close(losses[name], weight * term, atol=1e-5, rtol=1e-5,
                                   msg=name)
    scaled = (own - own.amin((1, 2), keepdim=True)) / (
        own.amax((1, 2), keepdim=True) - own.amin((1, 2), keepdim=True) + 1e-5)
    kept = (scaled > 0.6).flatten(1).sum(1)
    assert ((kept > 0) & (kept < 25)).all()  # a foreground, not the whole map


def test_training_loss_with_dropout_equals_the_public_code_on_the_same_draw():
    """Dropout 0.9 on the visual map, drawn from the same seed in both (the image
    branch draws first in both), and train.py's sum after the warm-up."""
    state = public_state_dict()
    model = build_fnac(state).train()
    frames, spec = inputs()
    torch.manual_seed(7)
    losses = model(dict(imgs=frames[:, None], spec=spec), mode='loss')
    torch.manual_seed(7)
    expected, _ = public.forward(state, frames, spec, training=True, dropout_img=0.9)
    torch.testing.assert_close(sum(losses.values()), public.train_loss(expected, epoch=5),
                               atol=1e-4, rtol=1e-5)


def test_warmup_trains_on_the_contrastive_loss_alone():
    """The epoch is the runner's, from the message hub (RuntimeInfoHook); without
    one (outside a runner) every term counts."""
    state = public_state_dict()
    model = build_fnac(state, head=dict(warmup_epochs=5), visual_dropout=0.0).train()
    frames, spec = inputs()
    data = dict(imgs=frames[:, None], spec=spec)
    expected, _ = public.forward(state, frames, spec, training=True)
    hub = MessageHub.get_current_instance()
    saved = hub.get_info('epoch')
    try:
        hub.update_info('epoch', 4)
        losses = model(data, mode='loss')
        assert set(losses) == {'loss_mil'}
        torch.testing.assert_close(losses['loss_mil'], public.train_loss(expected, epoch=4),
                                   atol=1e-5, rtol=1e-5)
        hub.update_info('epoch', 5)
        torch.testing.assert_close(sum(model(data, mode='loss').values()),
                                   public.train_loss(expected, epoch=5), atol=1e-4,
                                   rtol=1e-5)
        hub.pop_info('epoch')
        assert len(model(data, mode='loss')) == 4
    finally:
        if saved is not None:
            hub.update_info('epoch', saved)
        else:
            hub.pop_info('epoch', None)


def test_heatmaps_are_the_public_savl_times_tau():
    state = public_state_dict()
    model = build_fnac(state).eval()
    frames, spec = inputs()
    with torch.no_grad():
        ours = model(dict(imgs=frames[:, None], spec=spec), mode='tensor')
    _, savl = public.forward(state, frames, spec)
    assert ours.shape == (4, 1, 5, 5)
    assert savl.abs().max() > 1  # a non-degenerate map (a cosine above tau)
    torch.testing.assert_close(ours[:, 0], savl * public.TAU, atol=1e-5, rtol=0)


def predicted_maps(model, frames, spec):
    samples = [AVDataSample(metainfo=dict(clip_id=str(i), ori_shape=(SIZE, SIZE)))
               for i in range(len(frames))]
    with torch.no_grad():
        out = model.predict(dict(imgs=frames[:, None], spec=spec), samples)
    return np.stack([s.pred_heatmap[0].numpy() for s in out])


@pytest.mark.parametrize('resize', ['bilinear', 'bicubic'])
@pytest.mark.parametrize('ogl', [False, True])
def test_test_maps_are_the_public_test_py(resize, ogl):
    """validate (bilinear) and validate2 (bicubic), pred_av and pred_av_obj."""
    state = public_state_dict()
    model = build_fnac(state, ogl=ogl,
                       test_cfg=dict(ogl_alpha=0.4, heatmap_resize=resize)).eval()
    frames, spec = inputs()
    ours = predicted_maps(model, frames, spec)
    _, savl = public.forward(state, frames, spec)
    expected = public.test_maps(savl, frames, object_state_dict() if ogl else None,
                                alpha=0.4, bicubic=resize == 'bicubic', size=SIZE)
    if not ogl and resize == 'bilinear':  # left at 5 x 5 for the ezvsl protocol
        assert ours.shape == (4, 5, 5)
        ours = np.stack([minmax_normalize(resize_heatmap(m, SIZE, align_corners=True))
                         for m in ours])
    else:
        assert ours.shape == (4, SIZE, SIZE)
        ours = np.stack([minmax_normalize(m) for m in ours])  # ezvsl's protocol
    np.testing.assert_allclose(ours, expected, atol=1e-5, rtol=0)


def test_an_unknown_heatmap_resize_is_refused():
    with pytest.raises(ValueError, match="heatmap_resize must be one of"):
        build_fnac(test_cfg=dict(heatmap_resize='nearest'))
