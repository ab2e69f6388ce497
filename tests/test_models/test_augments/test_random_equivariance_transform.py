import cv2
import numpy as np
import public_ssltie as public
import pytest
import torch
import torch.nn.functional as F

from avloc.models.augments import RandomEquivarianceTransform
from avloc.models.augments.random_equivariance_transform import (EquivarianceWarp,
                                                                 rotation_scale_matrix)


@pytest.mark.parametrize('angle,scale', [(0, 1.0), (17, 1.0), (-30, 0.5), (25, 0.5)])
def test_rotation_is_about_the_pixel_index_centre(angle, scale):
    """kornia's and OpenCV's matrices both act on pixel indices; the public code
    rotates about index (W / 2, H / 2), half a pixel off the middle."""
    ours = rotation_scale_matrix(torch.tensor([float(angle)], dtype=torch.float64), scale,
                                 40, 60)[0]
    expected = cv2.getRotationMatrix2D((30.0, 20.0), angle, scale)
    np.testing.assert_allclose(ours[:2].numpy(), expected, atol=1e-9)


def draw(angles, scale, flip, dtype=torch.float32):
    angles = torch.tensor(angles, dtype=dtype)
    return angles, EquivarianceWarp(rotation_scale_matrix(angles, scale, 224, 224),
                                    (224, 224), scale, flip)


def frames(dtype):
    """Normalised-looking 224 px frames: smooth colour fields with sharp edges."""
    torch.manual_seed(0)
    smooth = F.interpolate(torch.randn(3, 3, 14, 14), size=224, mode='bicubic')
    smooth[:, :, 60:120, 90:170] += 1.5
    return smooth.to(dtype)


@pytest.mark.parametrize('scale', [1.0, 0.5])
@pytest.mark.parametrize('flip', [False, True])
def test_second_view_and_warped_heatmap_equal_the_public_code(scale, flip):
    # Frames in float64, so that only the method, not float32 rounding, is compared.
    angles, warp = draw([-30.0, 7.0, 23.0], scale, flip, torch.float64)
    imgs = frames(torch.float64)
    expected = public.transform(imgs, angles, scale, flip)
    assert warp(imgs).shape == expected.shape == (3, 3, int(224 * scale), int(224 * scale))
    torch.testing.assert_close(warp(imgs), expected, atol=1e-6, rtol=0)
    # Heatmaps in float32, as in training: upsampled to 224, warped, resized.
    angles, warp = draw([-30.0, 7.0, 23.0], scale, flip)
    heatmaps = torch.rand(3, 1, 14, 14, generator=torch.Generator().manual_seed(1)) * 2 - 1
    expected = public.transform(heatmaps, angles, scale, flip)
    assert expected.shape == (3, 1, int(14 * scale), int(14 * scale))
    torch.testing.assert_close(warp(heatmaps), expected, atol=1e-4, rtol=0)


def test_half_scale_warps_at_full_size_then_resizes_the_canvas():
    """Not the same as warping straight to the small size: the canvas resize
    averages 2x2 pixels of the full-size warp."""
    _, warp = draw([10.0], 0.5, False, torch.float64)
    imgs = frames(torch.float64)[:1]
    full = EquivarianceWarp(warp.canvas_matrix, (224, 224), 1.0, False)(imgs)
    torch.testing.assert_close(warp(imgs), F.avg_pool2d(full, 2), atol=1e-12, rtol=0)
    assert warp.out_size((97, 15)) == (48, 7)  # truncated, as int() does


def coordinate_ramps(h, w):
    """(1, 2, h, w): each pixel holds its own continuous (x, y) centre."""
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing='ij')
    return torch.stack([xs, ys])[None].double()


@pytest.mark.parametrize('seed', range(6))
def test_homography_says_where_view2_pixels_come_from(seed):
    torch.manual_seed(seed)
    h = w = 32
    imgs = coordinate_ramps(h, w).repeat(2, 1, 1, 1)
    view2, warp, valid2 = RandomEquivarianceTransform()(imgs, torch.ones(2, 1, h, w,
                                                                         dtype=bool))
    out_h, out_w = view2.shape[-2:]
    assert (out_h, out_w) in {(32, 32), (16, 16)}
    ys, xs = torch.meshgrid(torch.arange(out_h) + 0.5, torch.arange(out_w) + 0.5,
                            indexing='ij')
    dst = torch.stack([xs, ys, torch.ones_like(xs)], -1).double().reshape(-1, 3)
    t = warp.homography()
    for i in range(2):
        src = dst @ torch.linalg.inv(t[i].double()).T
        src = (src[:, :2] / src[:, 2:]).T.reshape(2, out_h, out_w)
        # Bilinear sampling (and the 2x2 canvas average) reproduce a linear ramp
        # exactly, away from the border.
        interior = ((src > 2) & (src < h - 2)).all(0)
        assert interior.sum() > 0.15 * out_h * out_w
        torch.testing.assert_close(view2[i][:, interior], src[:, interior], atol=1e-5,
                                   rtol=0)
        assert valid2[i, 0][interior].all()


def test_flip_is_applied_after_the_warp():
    transform = RandomEquivarianceTransform(max_angle=0, scales=(1.0,), flip_prob=1.0)
    imgs = coordinate_ramps(8, 8).float()
    view2, warp, _ = transform(imgs, torch.ones(1, 1, 8, 8, dtype=bool))
    torch.testing.assert_close(view2[0], imgs[0].flip(-1))
    torch.testing.assert_close(warp.homography()[0],
                               torch.tensor([[-1.0, 0, 8], [0, 1, 0], [0, 0, 1]]))
