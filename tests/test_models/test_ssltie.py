import pytest
import torch
from mmengine.registry import init_default_scope

from avloc.registry import MODELS
from avloc.structures import AVDataSample


def build_model(**kwargs):
    init_default_scope('avloc')
    cfg = dict(
        type='SSLTIE', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18'), audio_encoder=dict(type='AudioResNet18'),
        contrastive_loss=dict(type='LocalizationContrastiveLoss'),
        equivariance_loss=dict(type='EquivarianceLoss'))
    return MODELS.build(dict(cfg, **kwargs))


def batch(b=3, views=2, other_audio=False):
    inputs = dict(imgs=[torch.randint(0, 255, (views, 3, 32, 32), dtype=torch.uint8)
                        for _ in range(b)],
                  spec=[torch.randn(1, 16, 20) for _ in range(b)])
    if other_audio:  # the partner clips' audio, as OtherAudioMixin attaches it
        inputs['other_spec'] = [torch.randn(1, 16, 20) for _ in range(b)]
    samples = []
    for i in range(b):
        s = AVDataSample(metainfo=dict(clip_id=str(i), ori_shape=(32, 32)))
        s.homography_matrices = torch.eye(3).repeat(views, 1, 1)
        s.valid_masks = torch.ones(views, 32, 32, dtype=torch.bool)
        s.gt_bboxes = torch.tensor([[0.1, 0.1, 0.6, 0.6]])
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_loss_and_backward():
    model = build_model()
    data = model.data_preprocessor(batch(), True)
    assert data['inputs']['imgs'].shape == (3, 2, 3, 32, 32)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cl', 'loss_equiv'}
    sum(losses.values()).backward()
    assert model.visual_encoder.conv1.weight.grad.abs().sum() > 0
    assert model.audio_encoder.conv1.weight.grad.abs().sum() > 0


def test_predict_outputs():
    model = build_model().eval()
    data = model.data_preprocessor(batch(views=1, other_audio=True), False)
    out = model(**data, mode='predict')
    assert out[0].pred_heatmap.shape == (1, 2, 2)
    assert out[0].pred_heatmap.abs().max() <= 1 + 1e-5
    assert out[0].pred_heatmap_other_audio.shape == (1, 2, 2)
    torch.testing.assert_close(out[0].audio_embedding.norm(), torch.tensor(1.0))
    assert out[0].visual_embedding.shape == (512,)


def test_other_audio_control_uses_the_partner_audio_of_the_batch():
    model = build_model(data_preprocessor=dict(type='AVDataPreprocessor', audio_mean=-20.0,
                                               audio_std=10.0)).eval()
    data = model.data_preprocessor(batch(b=2, views=1, other_audio=True), False)
    out = model(**data, mode='predict')
    partner = model(dict(imgs=data['inputs']['imgs'], spec=data['inputs']['other_spec']),
                    mode='tensor')  # the frame with the partner's (standardised) audio
    torch.testing.assert_close(torch.stack([s.pred_heatmap_other_audio for s in out]),
                               partner)
    without = model(**model.data_preprocessor(batch(b=2, views=1), False), mode='predict')
    assert 'pred_heatmap_other_audio' not in without[0]


def test_the_old_test_cfg_switch_is_refused():
    with pytest.raises(ValueError, match="dataset's other_audio_control"):
        build_model(test_cfg=dict(other_audio_control=True))


def test_view_transform_makes_the_second_view_on_device():
    torch.manual_seed(0)
    model = build_model(view_transform=dict(type='RandomEquivarianceTransform',
                                            scales=(1.0,)))
    data = model.data_preprocessor(batch(b=3, views=1), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cl', 'loss_equiv'}
    assert losses['loss_equiv'] > 0
    sum(losses.values()).backward()
    assert model.visual_encoder.conv1.weight.grad.abs().sum() > 0


def test_view_transform_refuses_pipeline_views():
    import pytest
    model = build_model(view_transform=dict(type='RandomEquivarianceTransform'))
    data = model.data_preprocessor(batch(views=2), True)
    with pytest.raises(ValueError, match='one view per clip'):
        model(**data, mode='loss')


def visual_batch_sizes(model, data):
    """The batch size of every visual encoder call during one loss computation."""
    sizes = []
    handle = model.visual_encoder.register_forward_hook(
        lambda module, args, out: sizes.append(args[0].shape[0]))
    losses = model(**data, mode='loss')
    handle.remove()
    return sizes, losses


def test_one_visual_pass_per_view_unless_joint_pass_asked():
    torch.manual_seed(0)
    data = build_model().data_preprocessor(batch(b=3, views=2), True)
    torch.manual_seed(1)
    per_view, per_view_losses = visual_batch_sizes(build_model().train(), data)
    torch.manual_seed(1)
    joint, joint_losses = visual_batch_sizes(build_model(joint_view_pass=True).train(),
                                             data)
    assert per_view == [3, 3] and joint == [6]
    # Each view's own BatchNorm batch statistics give another loss.
    assert abs(per_view_losses['loss_cl'] - joint_losses['loss_cl']) > 1e-4
