import math

import public_ssltie as public
import pytest
import torch
import torch.nn.functional as F

from avloc.models.augments.random_equivariance_transform import (EquivarianceWarp,
                                                                 rotation_scale_matrix)
from avloc.models.losses import EquivarianceLoss


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
