import math

import public_ssltie as public
import pytest
import torch
import torch.nn.functional as F

from avloc.models.augments.random_equivariance_transform import (EquivarianceWarp,
                                                                 rotation_scale_matrix)
from avloc.models.losses import EquivarianceLoss, LocalizationContrastiveLoss, MaxMILContrastiveLoss


def transcribed_lvs_loss(cross, eps=0.65, eps2=0.4, tau=0.03, t=0.07, quirk=False):
    """ssltie.md's formulas, one image at a time, with Python loops."""
    b = cross.shape[0]
    sig = lambda x: 1 / (1 + torch.exp(-x))  # noqa: E731
    total = 0.0
    for i in range(b):
        a_ii = cross[i, i]
        p = sig((a_ii - eps) / tau)
        n = 1 - sig((a_ii - eps2) / tau)
        s_pos = (p * a_ii).sum() / p.sum()
        s_hn = (n * a_ii).sum() / n.sum()
        negs = []
        for j in range(b):
            pj = sig((cross[i, j] - eps) / tau)
            s = (pj * cross[i, j]).sum() / pj.sum()
            if j != i:
                negs.append(s)
            elif quirk:
                negs.append(s * -99)
        logits = torch.stack([s_pos, *negs, s_hn]) / t
        total += -(logits[0] - torch.logsumexp(logits, 0))
    return total / b


@pytest.mark.parametrize('quirk', [False, True])
def test_lvs_loss_matches_transcription(quirk):
    torch.manual_seed(0)
    cross = torch.rand(5, 5, 6, 6, dtype=torch.float64) * 2 - 1
    loss = LocalizationContrastiveLoss(diagonal_quirk=quirk)(cross)
    torch.testing.assert_close(loss, transcribed_lvs_loss(cross, quirk=quirk).float()
                               if loss.dtype == torch.float32 else
                               transcribed_lvs_loss(cross, quirk=quirk), rtol=1e-4,
                               atol=1e-4)


def test_quirk_differs_when_a_positive_score_is_negative():
    cross = torch.full((3, 3, 4, 4), 0.3)
    cross[0, 0] = -0.5  # s_00 < 0: the -99 mask makes it a huge logit
    right = LocalizationContrastiveLoss()(cross)
    quirky = LocalizationContrastiveLoss(diagonal_quirk=True)(cross)
    assert quirky > right + 10


def test_lvs_loss_prefers_matching_pairs():
    good = torch.full((4, 4, 5, 5), -0.2)
    for i in range(4):
        good[i, i, :2] = 0.9  # a bright region only for the own audio
    bad = good.flip(1)
    loss = LocalizationContrastiveLoss()
    assert loss(good) < loss(bad)


def test_shared_cells_grid_warp_zero_for_consistent_maps_and_masks_unseen_cells():
    torch.manual_seed(0)
    heat1 = torch.rand(2, 1, 4, 4)
    # View 2 is view 1 flipped horizontally (32-pixel images, 4x4 maps).
    flip = torch.tensor([[-1.0, 0, 32], [0, 1, 0], [0, 0, 1]]).expand(2, 3, 3)
    eye = torch.eye(3).expand(2, 3, 3)
    full = torch.ones(2, 1, 32, 32)
    loss = EquivarianceLoss(cells='shared', heatmap_warp='grid')
    assert loss(heat1, heat1.flip(-1), eye, flip, full, full) < 1e-10
    assert loss(heat1, heat1, eye, flip, full, full) > 1e-3
    # View 2 sees only the top-left quarter of view 1, zoomed 2x: view 1's other
    # cells never enter the loss, whatever view 2 predicts there.
    zoom = torch.tensor([[2.0, 0, 0], [0, 2, 0], [0, 0, 1]]).expand(2, 3, 3)
    target = torch.nn.functional.interpolate(heat1[..., :2, :2], size=(4, 4),
                                             mode='bilinear', align_corners=False)
    # Bilinear upsampling of a 2x2 corner equals the warp away from its border.
    value = loss(heat1, target, eye, zoom, full, full)
    assert value < 0.05 and not math.isnan(value)
    # Padding in view 2 (its right half) is ignored; in view 1 (its left half) too.
    half = full.clone()
    half[..., 16:] = 0
    noisy = heat1.flip(-1).clone()
    noisy[..., 2:] = 5.0
    assert loss(heat1, noisy, eye, flip, full, half) < 1e-10
    assert loss(heat1, noisy, eye, flip, half.flip(-1), full) < 1e-10
    assert loss(heat1, noisy, eye, flip, full, full) > 1.0


def test_public_form_is_the_mse_over_every_cell_of_the_public_warp():
    """The default: view 1's heatmap upsampled to 224, warped and resized as the
    public code's TfEquivarianceLoss does, and nn.MSELoss over all cells, the
    warped map's zero padding included."""
    angles = torch.tensor([-30.0, 12.0])
    warp = EquivarianceWarp(rotation_scale_matrix(angles, 0.5, 224, 224), (224, 224),
                            0.5, True)
    gen = torch.Generator().manual_seed(0)
    heat1 = torch.rand(2, 1, 14, 14, generator=gen) * 2 - 1
    heat2 = torch.rand(2, 1, 7, 7, generator=gen) * 2 - 1
    eye = torch.eye(3).expand(2, 3, 3)
    valid1 = torch.ones(2, 1, 224, 224)
    valid2 = warp(valid1) > 0.5
    expected = F.mse_loss(heat2, public.transform(heat1, angles, 0.5, True))
    ours = EquivarianceLoss(loss_weight=2.0)(heat1, heat2, eye, warp.homography(),
                                             valid1, valid2, warp)
    torch.testing.assert_close(ours, 2.0 * expected, atol=1e-6, rtol=1e-5)
    shared = EquivarianceLoss(loss_weight=2.0, cells='shared')(
        heat1, heat2, eye, warp.homography(), valid1, valid2, warp)
    assert abs(shared - ours) > 1e-3  # the padded cells count in the public form


def test_public_form_with_pipeline_views_upsamples_warps_and_resizes():
    torch.manual_seed(0)
    heat1 = torch.rand(2, 1, 4, 4)
    flip = torch.tensor([[-1.0, 0, 32], [0, 1, 0], [0, 0, 1]]).expand(2, 3, 3)
    full = torch.ones(2, 1, 32, 32)
    up = F.interpolate(heat1, size=(32, 32), mode='bilinear', align_corners=False)
    expected = F.interpolate(up.flip(-1), size=(4, 4), mode='bilinear',
                             align_corners=False)
    heat2 = torch.rand(2, 1, 4, 4)
    torch.testing.assert_close(
        EquivarianceLoss()(heat1, heat2, torch.eye(3).expand(2, 3, 3), flip, full, full),
        F.mse_loss(heat2, expected))


def test_equivariance_loss_options_are_checked():
    with pytest.raises(ValueError, match="cells must be one of"):
        EquivarianceLoss(cells='visible')
    with pytest.raises(ValueError, match="heatmap_warp must be one of"):
        EquivarianceLoss(heatmap_warp='kornia')


def test_max_mil_loss_matches_transcription():
    """EZ-VSL: logits[n, k] = max over locations of A0[n, k] / tau; CE both ways."""
    torch.manual_seed(0)
    cross = torch.rand(4, 4, 3, 3) * 2 - 1
    tau = 0.03
    logits = [[max(cross[n, k].flatten().tolist()) / tau for k in range(4)]
              for n in range(4)]
    total = 0.0
    for i in range(4):
        row = torch.tensor(logits[i])
        col = torch.tensor([logits[n][i] for n in range(4)])
        total += -(row[i] - torch.logsumexp(row, 0)) - (col[i] - torch.logsumexp(col, 0))
    expected = total / 4
    torch.testing.assert_close(MaxMILContrastiveLoss(tau)(cross), expected.float())
