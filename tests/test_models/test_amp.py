"""Mixed precision (``tools/train.py --amp``): the encoders run in reduced precision,
the heatmaps, homographies, warps and losses in float32.

CPU autocast only knows bfloat16 and itself runs ``linalg.inv`` and ``grid_sample`` in
float32; CUDA's float16 autocast does neither, and rounds matrix products to float16.
So the models are trained under CPU autocast here, probes check that the float32 parts
run with autocast off, and the warps are also fed float16 directly, which is what they
get from a float16 encoder on a GPU.
"""
import copy
import math
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from avloc.models.augments.random_equivariance_transform import rotation_scale_matrix
from avloc.registry import MODELS
from avloc.structures import AVDataSample

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = {  # name: (config file, views the data pipeline gives)
    'ssltie_paper': ('configs/_base_/models/ssltie_r18.py', 2),
    'ssltie_paper_view_transform': (
        'configs/ssltie/ssltie_r18_1xb32-100e_vggsound144k.py', 1),
    'ssltie_main_job': ('configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py', 2),
    'lvs': ('configs/_base_/models/lvs_r18.py', 1),
    'ezvsl': ('configs/_base_/models/ezvsl_r18.py', 1),
}
SIZE = 64  # frames; 4x4 heatmaps at output stride 16


def rotation(angle_deg: float, size: int, batch: int = 2) -> torch.Tensor:
    """(B, 3, 3) rotation about the frame, a different angle per clip."""
    angles = torch.tensor([angle_deg * (i + 1) for i in range(batch)])
    return rotation_scale_matrix(angles, 1.0, size, size)


def fake_batch(views: int, b: int = 4) -> dict:
    """Frames, short spectrograms, and view 2 = view 1 flipped, scaled and shifted."""
    g = torch.Generator().manual_seed(0)
    to_view2 = torch.tensor([[-0.8, 0, 0.9 * SIZE], [0, 0.8, 4.0], [0, 0, 1]])
    samples = []
    for i in range(b):
        s = AVDataSample(metainfo=dict(clip_id=str(i), ori_shape=(SIZE, SIZE)))
        s.homography_matrices = torch.stack([torch.eye(3), to_view2])[:views]
        s.valid_masks = torch.ones(views, SIZE, SIZE, dtype=torch.bool)
        samples.append(s)
    return dict(inputs=dict(
        imgs=[torch.randint(0, 255, (views, 3, SIZE, SIZE), generator=g, dtype=torch.uint8)
              for _ in range(b)],
        spec=[torch.randn(1, 32, 48, generator=g) * 8 - 26 for _ in range(b)]),
        data_samples=samples)


def build(name: str):
    init_default_scope('avloc')
    cfg = Config.fromfile(os.path.join(ROOT, CONFIGS[name][0]))
    torch.manual_seed(0)
    return MODELS.build(cfg.model).train()


def losses_of(model, batch: dict, seed: int = 1) -> dict:
    torch.manual_seed(seed)  # the same on-device view transform draw every time
    return model(**model.data_preprocessor(batch, True), mode='loss')


class Probes:
    """Records the dtype of the encoders' outputs, of the heatmaps handed to the
    losses, and of every matrix inverse and grid sample, with the autocast state."""

    def __init__(self, model, monkeypatch) -> None:
        self.encoders, self.loss_inputs, self.inverses, self.samples = [], [], [], []
        for encoder in (model.visual_encoder, model.audio_encoder):
            encoder.register_forward_hook(
                lambda m, args, out: self.encoders.append(out.dtype))
        record = lambda args: self.loss_inputs.extend(  # noqa: E731
            a.dtype for a in args if torch.is_tensor(a) and a.is_floating_point())
        logits = model.head.logits  # every head scores its maps through logits
        monkeypatch.setattr(model.head, 'logits',
                            lambda *args: (record(args), logits(*args))[1])
        if getattr(model, 'equivariance_loss', None) is not None:
            model.equivariance_loss.register_forward_pre_hook(lambda m, args: record(args))
        inv, grid_sample = torch.linalg.inv, torch.nn.functional.grid_sample

        def recording_inv(matrix, *args, **kwargs):
            self.inverses.append((matrix.dtype, torch.is_autocast_enabled('cpu')))
            return inv(matrix, *args, **kwargs)

        def recording_grid_sample(maps, grid, *args, **kwargs):
            self.samples.append((maps.dtype, grid.dtype, torch.is_autocast_enabled('cpu')))
            return grid_sample(maps, grid, *args, **kwargs)

        monkeypatch.setattr(torch.linalg, 'inv', recording_inv)
        monkeypatch.setattr(torch.nn.functional, 'grid_sample', recording_grid_sample)


@pytest.mark.parametrize('name', list(CONFIGS))
def test_trains_under_bfloat16_autocast(name, monkeypatch):
    """Three Adam steps under autocast: finite losses; the first matches float32 on the
    same weights and batch; encoders in bfloat16, heatmaps, warps and losses in
    float32 with autocast off. Before the fix the losses got bfloat16 heatmaps and
    the warps bfloat16 pixel coordinates."""
    model = build(name)
    batch = fake_batch(CONFIGS[name][1])
    with torch.no_grad():
        reference = losses_of(copy.deepcopy(model), batch)  # float32, same weights
    probes = Probes(model, monkeypatch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    before = copy.deepcopy(model.state_dict())
    for step in range(3):
        with torch.autocast('cpu', dtype=torch.bfloat16):
            losses = losses_of(model, batch, seed=1 + step)
        loss, _ = model.parse_losses(losses)
        assert torch.isfinite(loss), (step, losses)
        if step == 0:
            assert set(losses) == set(reference)
            for key, value in losses.items():
                assert value.dtype == torch.float32
                # bfloat16 keeps 8 bits of mantissa (relative rounding 0.4%) through
                # 18 layers; the cosines feed a sigmoid sharpened 33-fold.
                torch.testing.assert_close(value, reference[key], rtol=0.05, atol=2e-4)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    assert all(torch.isfinite(v).all() for v in after.values() if v.is_floating_point())
    assert set(probes.encoders) == {torch.bfloat16}
    assert set(probes.loss_inputs) == {torch.float32}
    assert set(probes.inverses) <= {(torch.float32, False)}
    assert set(probes.samples) <= {(torch.float32, torch.float32, False)}
    if 'ssltie' in name:  # the equivariance loss really warped something
        assert probes.inverses and probes.samples


@pytest.mark.parametrize('cells,heatmap_warp', [('all', 'public'), ('shared', 'grid'),
                                                ('all', 'grid'), ('shared', 'public')])
@pytest.mark.parametrize('on_device_view', [False, True])
def test_equivariance_loss_takes_float16_heatmaps(cells, heatmap_warp, on_device_view):
    init_default_scope('avloc')
    loss = MODELS.build(dict(type='EquivarianceLoss', cells=cells,
                             heatmap_warp=heatmap_warp))
    torch.manual_seed(0)
    heatmaps = torch.rand(2, 1, 4, 4) * 2 - 1, torch.rand(2, 1, 4, 4) * 2 - 1
    matrix1 = torch.eye(3).repeat(2, 1, 1)
    valid = torch.ones(2, 1, SIZE, SIZE, dtype=torch.bool)
    view_warp = None
    if on_device_view:
        transform = MODELS.build(dict(type='RandomEquivarianceTransform', scales=(1.0,)))
        view_warp = transform.sample(2, (SIZE, SIZE), torch.device('cpu'))
        matrix2 = view_warp.homography()
    else:
        matrix2 = rotation(12.0, SIZE)
    half = loss(*(h.half() for h in heatmaps), matrix1, matrix2, valid, valid, view_warp)
    full = loss(*(h.half().float() for h in heatmaps), matrix1, matrix2, valid, valid,
                view_warp)
    assert half.dtype == torch.float32 and math.isfinite(half.item())
    torch.testing.assert_close(half, full)
