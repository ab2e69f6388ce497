import torch
from mmengine.registry import init_default_scope

from avloc.registry import MODELS
from avloc.structures import AVDataSample


def build_model(**kwargs):
    init_default_scope('avloc')
    return MODELS.build(dict(
        type='SSLTIE', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18'), audio_encoder=dict(type='AudioResNet18'),
        contrastive_loss=dict(type='LocalizationContrastiveLoss'),
        equivariance_loss=dict(type='EquivarianceLoss'), **kwargs))


def batch(b=3, views=2):
    inputs = dict(imgs=[torch.randint(0, 255, (views, 3, 32, 32), dtype=torch.uint8)
                        for _ in range(b)],
                  spec=[torch.randn(1, 16, 20) for _ in range(b)])
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
    model = build_model(test_cfg=dict(other_audio_control=True)).eval()
    data = model.data_preprocessor(batch(views=1), False)
    out = model(**data, mode='predict')
    assert out[0].pred_heatmap.shape == (1, 2, 2)
    assert out[0].pred_heatmap.abs().max() <= 1 + 1e-5
    assert out[0].pred_heatmap_other_audio.shape == (1, 2, 2)
    torch.testing.assert_close(out[0].audio_embedding.norm(), torch.tensor(1.0))
    assert out[0].visual_embedding.shape == (512,)


def test_other_audio_control_with_a_one_clip_batch():
    model = build_model(test_cfg=dict(other_audio_control=True)).eval()
    first = model.data_preprocessor(batch(b=2, views=1), False)
    last = model.data_preprocessor(batch(b=1, views=1), False)
    out_first = model(**first, mode='predict')
    out_last = model(**last, mode='predict')
    # The lone clip is paired with the previous batch's last audio.
    expected = torch.einsum('c,chw->hw', out_first[-1].audio_embedding,
                            torch.nn.functional.normalize(
                                model.visual_encoder(last['inputs']['imgs'][:, 0]), dim=1)[0])
    torch.testing.assert_close(out_last[0].pred_heatmap_other_audio[0], expected,
                               rtol=1e-4, atol=1e-4)
    fresh = build_model(test_cfg=dict(other_audio_control=True)).eval()
    import pytest
    with pytest.raises(ValueError, match='needs a second clip'):
        fresh(**model.data_preprocessor(batch(b=1, views=1), False), mode='predict')


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
