"""The LVS and EZ-VSL baselines on the shared encoders."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from test_ssltie import batch

from avloc.models.utils import min_max as _min_max
from avloc.registry import MODELS


def build_ezvsl(layer4_stride=2, embed_dim=64, **kwargs):
    init_default_scope('avloc')
    return MODELS.build(dict(
        type='EZVSL', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18', layer4_stride=layer4_stride),
        audio_encoder=dict(type='AudioResNet18'),
        head=dict(type='MaxMILContrastiveHead'), embed_dim=embed_dim, **kwargs))


def test_ezvsl_trains_its_projections_and_encoders():
    model = build_ezvsl()
    data = model.data_preprocessor(batch(views=1), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_mil'}
    losses['loss_mil'].backward()
    assert model.visual_proj.weight.grad.abs().sum() > 0
    assert model.audio_encoder.conv1.weight.grad.abs().sum() > 0
    assert model(**data, mode='tensor').shape == (3, 1, 1, 1)  # 32 px at stride 32


@pytest.mark.parametrize('alpha', [0.0, 0.4, 1.0])
def test_ezvsl_object_prior_blend(alpha):
    model = build_ezvsl(layer4_stride=1,
                        object_encoder=dict(type='VisualResNet18', layer4_stride=1),
                        test_cfg=dict(ogl_alpha=alpha))
    model.train()
    assert not model.object_encoder.training  # frozen backbone stays in eval mode
    assert not any(p.requires_grad for p in model.object_encoder.parameters())
    model.eval()
    data = model.data_preprocessor(batch(views=1, other_audio=True), False)
    out = model(**data, mode='predict')
    imgs = data['inputs']['imgs'][:, 0]
    heatmap = out[0].pred_heatmap
    assert heatmap.shape == (1, 32, 32)  # at the input's resolution
    assert heatmap.min() == 0 and heatmap.max() == 1
    up = lambda m: torch.nn.functional.interpolate(  # noqa: E731
        m, size=(32, 32), mode='bilinear', align_corners=True)
    av = _min_max(up(model(**data, mode='tensor')))
    obj = _min_max(up(model.object_encoder(imgs).abs().mean(1, keepdim=True)))
    expected = _min_max(alpha * av + (1 - alpha) * obj)
    torch.testing.assert_close(heatmap, expected[0], atol=1e-5, rtol=0)
    assert out[0].pred_heatmap_other_audio.shape == (1, 32, 32)


def test_lvs_is_the_contrastive_head_on_view_0():
    init_default_scope('avloc')
    model = MODELS.build(dict(
        type='LVS', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18'), audio_encoder=dict(type='AudioResNet18'),
        head=dict(type='LocalizationContrastiveHead')))
    model.eval()  # BatchNorm batch statistics would differ between the two calls
    two_views = model.data_preprocessor(batch(views=2), True)
    losses = model(**two_views, mode='loss')
    assert set(losses) == {'loss_cl'}
    first_view = dict(two_views, inputs=dict(two_views['inputs'],
                                             imgs=two_views['inputs']['imgs'][:, :1]))
    torch.testing.assert_close(losses, model(**first_view, mode='loss'))


def test_ezvsl_heatmap_is_the_paired_cosine_of_its_projections():
    # With identity projections EZ-VSL is LVS's model: its test-time heatmap must be
    # LVS's, cell for cell (no sign flip, transpose or rescaling on the way out).
    ezvsl = build_ezvsl(layer4_stride=1, embed_dim=512).eval()
    lvs = MODELS.build(dict(
        type='LVS', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18'), audio_encoder=dict(type='AudioResNet18'),
        head=dict(type='LocalizationContrastiveHead'))).eval()
    lvs.visual_encoder.load_state_dict(ezvsl.visual_encoder.state_dict())
    lvs.audio_encoder.load_state_dict(ezvsl.audio_encoder.state_dict())
    with torch.no_grad():
        ezvsl.visual_proj.weight.copy_(torch.eye(512)[:, :, None, None])
        ezvsl.audio_proj.weight.copy_(torch.eye(512))
        ezvsl.visual_proj.bias.zero_()
        ezvsl.audio_proj.bias.zero_()
    data = ezvsl.data_preprocessor(batch(views=1, other_audio=True), False)
    keys = ('pred_heatmap', 'pred_heatmap_other_audio')
    # Copied out: predict writes into the data samples, which both models share.
    ours = [[s.get(k).clone() for k in keys] for s in ezvsl(**data, mode='predict')]
    theirs = [[s.get(k) for k in keys] for s in lvs(**data, mode='predict')]
    torch.testing.assert_close(ours, theirs)


def test_max_mil_gradient_reaches_only_the_best_cell_of_each_pair():
    # Why EZ-VSL locks onto off-object cells from a random audio encoder
    # (configs/ezvsl/README.md): the loss sees one cell per image-audio pair, so only
    # the cells that already score best learn.
    init_default_scope('avloc')
    head = MODELS.build(dict(type='MaxMILContrastiveHead'))
    cross = torch.randn(4, 4, 3, 5).tanh().requires_grad_()  # image n x audio k x cells
    logits, target = head.logits(cross), torch.arange(4)
    (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)).backward()
    best = cross.detach().flatten(2).argmax(2)  # (4, 4)
    touched = cross.grad.flatten(2) != 0
    assert torch.equal(touched.sum(2), torch.ones(4, 4, dtype=torch.long))
    assert torch.equal(touched.float().argmax(2), best)
