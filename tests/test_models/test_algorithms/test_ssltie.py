import pytest
import torch
from mmengine.registry import init_default_scope

from avloc.models import SSLTIE
from avloc.models.utils import cosine_heatmaps
from avloc.registry import MODELS
from avloc.structures import AVDataSample

MODEL = dict(
    type='SSLTIE', data_preprocessor=dict(type='AVDataPreprocessor'),
    visual_encoder=dict(type='VisualResNet18'), audio_encoder=dict(type='AudioResNet18'),
    head=dict(type='LocalizationContrastiveHead'),
    equivariance_loss=dict(type='EquivarianceLoss'))


def build_model(**kwargs):
    init_default_scope('avloc')
    return MODELS.build(dict(MODEL, **kwargs))


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


class PublicStepSSLTIE(SSLTIE):
    """The public training step (main.py), literally: the whole network once per
    view, so the audio encoder runs twice per step on the same spectrogram."""

    def loss(self, inputs, data_samples):
        views, matrices, valids, view_warp = self._views(inputs['imgs'], data_samples)
        heatmaps, loss_cl = [], 0.0
        for view in views:
            cross = cosine_heatmaps(self.visual_encoder(view),
                                    self.audio_encoder(inputs['spec']))
            loss_cl = loss_cl + self.head.loss_from_maps(cross, 0)
            heatmaps.append(torch.diagonal(cross).permute(2, 0, 1)[:, None])
        return dict(loss_cl=loss_cl / len(views), loss_equiv=self.equivariance_loss(
            heatmaps[0], heatmaps[1], matrices[0], matrices[1], valids[0], valids[1],
            view_warp))


def test_two_bn_updates_per_step_train_as_the_public_step():
    """The paper model with ``bn_updates_per_pass=2`` on its audio encoder against
    one that runs the audio encoder once per view: at every step the gradients
    agree, and after a few steps so do the audio running statistics (two updates
    per step) and their counters."""
    torch.manual_seed(0)
    view_transform = dict(type='RandomEquivarianceTransform', scales=(1.0,))
    ours = build_model(view_transform=view_transform, audio_encoder=dict(
        type='AudioResNet18', bn_updates_per_pass=2))
    reference = PublicStepSSLTIE(**{k: v for k, v in MODEL.items() if k != 'type'},
                                 view_transform=view_transform)
    reference.load_state_dict(ours.state_dict())
    start = {k: v.clone() for k, v in ours.state_dict().items()}
    optimizer = torch.optim.SGD(ours.parameters(), lr=0.01)
    for step in range(2):
        torch.manual_seed(step)
        data = ours.data_preprocessor(batch(b=3, views=1), True)
        data['inputs']['spec'] = data['inputs']['spec'] * (step + 1) + step
        for model in (ours, reference):
            torch.manual_seed(100 + step)  # the same view-2 transform for both
            model.zero_grad()
            sum(model(**data, mode='loss').values()).backward()
        for (name, got), expected in zip(ours.named_parameters(), reference.parameters()):
            # Float rounding only: one backward pass through the audio encoder sums
            # what two passes sum separately.
            scale = expected.grad.abs().max().item()
            torch.testing.assert_close(got.grad, expected.grad, rtol=0,
                                       atol=1e-5 * scale, msg=name)
        optimizer.step()
        with torch.no_grad():  # the same weights; each keeps its own statistics
            for got, expected in zip(ours.parameters(), reference.parameters()):
                expected.copy_(got)
    expected, got = reference.state_dict(), ours.state_dict()
    assert not torch.allclose(got['audio_encoder.bn1.running_mean'],
                              start['audio_encoder.bn1.running_mean'])
    for key, value in expected.items():
        torch.testing.assert_close(got[key], value, rtol=1e-5, atol=1e-6, msg=key)
    assert got['audio_encoder.bn1.num_batches_tracked'] == 4  # 2 per step
    assert got['visual_encoder.bn1.num_batches_tracked'] == 4  # 1 per view
