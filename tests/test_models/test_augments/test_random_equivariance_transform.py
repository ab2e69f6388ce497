import cv2
import numpy as np
import pytest
import torch

from avloc.models.augments import RandomEquivarianceTransform
from avloc.models.augments.random_equivariance_transform import rotation_scale_matrix


@pytest.mark.parametrize('angle,scale', [(0, 1.0), (17, 1.0), (-30, 0.5), (25, 0.5)])
def test_matches_opencv_rotation_matrix(angle, scale):
    ours = rotation_scale_matrix(torch.tensor([float(angle)], dtype=torch.float64), scale,
                                 40, 60)[0]
    expected = cv2.getRotationMatrix2D((30.0, 20.0), angle, scale)
    np.testing.assert_allclose(ours[:2].numpy(), expected, atol=1e-9)


def coordinate_ramps(h, w):
    """(1, 2, h, w): each pixel holds its own continuous (x, y) centre."""
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing='ij')
    return torch.stack([xs, ys])[None].double()


@pytest.mark.parametrize('seed', range(6))
def test_view2_pixels_come_from_inverse_t(seed):
    torch.manual_seed(seed)
    h = w = 32
    imgs = coordinate_ramps(h, w).repeat(2, 1, 1, 1)
    view2, t, valid2 = RandomEquivarianceTransform()(imgs, torch.ones(2, 1, h, w, dtype=bool))
    out_h, out_w = view2.shape[-2:]
    assert (out_h, out_w) in {(32, 32), (16, 16)}
    ys, xs = torch.meshgrid(torch.arange(out_h) + 0.5, torch.arange(out_w) + 0.5,
                            indexing='ij')
    dst = torch.stack([xs, ys, torch.ones_like(xs)], -1).double().reshape(-1, 3)
    for i in range(2):
        src = dst @ torch.linalg.inv(t[i].double()).T
        src = (src[:, :2] / src[:, 2:]).T.reshape(2, out_h, out_w)
        # Bilinear sampling reproduces a linear ramp exactly, away from the border.
        interior = ((src > 1) & (src < h - 1)).all(0)
        assert interior.sum() > 0.2 * out_h * out_w
        torch.testing.assert_close(view2[i][:, interior], src[:, interior], atol=1e-5,
                                   rtol=0)
        assert valid2[i, 0][interior].all()


def test_half_scale_shrinks_content_into_the_centre():
    torch.manual_seed(0)
    transform = RandomEquivarianceTransform(max_angle=0, scales=(0.5,), flip_prob=0.0)
    imgs = torch.ones(1, 3, 64, 64)
    view2, t, valid2 = transform(imgs, torch.ones(1, 1, 64, 64, dtype=bool))
    assert view2.shape == (1, 3, 32, 32)
    # Content 16x16 in the middle of a 32x32 canvas; zeros (the mean colour) around it.
    assert valid2[0, 0, 8:24, 8:24].all() and valid2.sum() == 16 * 16
    assert view2[0, :, 0, 0].abs().max() == 0
    torch.testing.assert_close(t[0], torch.tensor([[0.25, 0, 8.0], [0, 0.25, 8.0],
                                                   [0, 0, 1]]))


def test_flip_is_applied_after_the_warp():
    transform = RandomEquivarianceTransform(max_angle=0, scales=(1.0,), flip_prob=1.0)
    imgs = coordinate_ramps(8, 8).float()
    view2, t, _ = transform(imgs, torch.ones(1, 1, 8, 8, dtype=bool))
    torch.testing.assert_close(view2[0], imgs[0].flip(-1))
    torch.testing.assert_close(t[0], torch.tensor([[-1.0, 0, 8], [0, 1, 0], [0, 0, 1]]))
