import numpy as np
import pytest
import torch

from avloc.datasets.transforms import (ExactCenterCrop, FixedSizeResize, MultiView, RandomAreaCrop,
                                       RandomHorizontalFlip, RandomRotate, ShortSideResize)
from avloc.structures.geometry import warp_maps


def start(img):
    return dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                homography_matrix=np.eye(3, dtype=np.float32))


def dot_frame(x, y, h=48, w=64):
    """A float frame with a single bright pixel at column x, row y."""
    img = np.zeros((h, w, 3), np.float32)
    img[y, x] = 255
    return img


def project(matrix, x, y):
    p = matrix @ np.array([x + 0.5, y + 0.5, 1.0])  # pixel centre, continuous coords
    return p[:2] / p[2]


@pytest.mark.parametrize('transform', [
    FixedSizeResize(scale=(32, 24)), ShortSideResize(scale=24), ExactCenterCrop(size=(40, 30)),
    RandomAreaCrop(size=32, scale=(0.5, 1.0)), RandomHorizontalFlip(prob=1.0),
    RandomRotate(max_angle=30, prob=1.0)])
def test_recorded_matrix_moves_a_point_where_the_image_moved(transform):
    np.random.seed(1)
    x, y = 30, 20
    out = transform(start(dot_frame(x, y)))
    expected = project(out['homography_matrix'], x, y)
    gray = out['img'][..., 0]
    ys, xs = np.mgrid[:gray.shape[0], :gray.shape[1]]
    centroid = np.array([(gray * (xs + 0.5)).sum(), (gray * (ys + 0.5)).sum()]) / gray.sum()
    np.testing.assert_allclose(centroid, expected, atol=0.6)
    assert out['img_shape'] == out['img'].shape[:2]


def test_flip_is_identity_when_not_drawn(frame):
    out = RandomHorizontalFlip(prob=0.0)(start(frame))
    np.testing.assert_array_equal(out['img'], frame)
    np.testing.assert_array_equal(out['homography_matrix'], np.eye(3))


@pytest.mark.parametrize('shape,dtype', [((5, 7, 3), np.uint8), ((5, 7), np.uint8),
                                         ((5, 7, 1), np.uint8), ((5, 7, 3), np.float32),
                                         ((5, 7, 2), np.float64), ((5, 7), bool)])
def test_flip_mirrors_every_layout(shape, dtype):
    array = (np.random.default_rng(0).random(shape) * 255).astype(dtype)
    out = RandomHorizontalFlip(prob=1.0)(start(array))
    np.testing.assert_array_equal(out['img'], array[:, ::-1])
    assert out['img'].shape == array.shape and out['img'].flags['C_CONTIGUOUS']
    np.testing.assert_array_equal(out['valid_mask'], np.ones(shape[:2], np.uint8))


def test_matrices_compose(frame):
    np.random.seed(0)
    results = start(frame.astype(np.float32))
    first = FixedSizeResize(scale=(32, 24))(results)['homography_matrix'].copy()
    out = RandomHorizontalFlip(prob=1.0)(results)
    flip = np.array([[-1, 0, 32], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(out['homography_matrix'], flip @ first, atol=1e-6)


def test_warping_a_map_with_recorded_matrices_matches_the_other_view():
    """Warp view 1 into view 2 with H2 @ inv(H1): it must equal view 2 where both
    views see the scene."""
    rng = np.random.default_rng(0)
    scene = cv2_smooth(rng.uniform(0, 255, (96, 96, 3)).astype(np.float32))
    scene = np.clip((scene - scene.mean()) * 8 + 128, 0, 255)  # strong texture
    np.random.seed(1)
    views = MultiView(num_views=2, transforms=[
        dict(type='RandomAreaCrop', size=48, scale=(0.4, 1.0)),
        dict(type='RandomHorizontalFlip', prob=0.5),
        dict(type='RandomRotate', max_angle=20, prob=1.0)])(start(scene))
    (v1, v2), (h1, h2) = views['imgs'], views['homography_matrices']
    (m1, m2) = views['valid_masks']
    assert m1.min() == 0 or m2.min() == 0  # the rotations padded something
    matrix = torch.from_numpy(h2 @ np.linalg.inv(h1))[None].float()
    src = torch.from_numpy(v1).permute(2, 0, 1)[None]
    warped, _ = warp_maps(src, matrix, (48, 48))
    seen, _ = warp_maps(torch.from_numpy(m1)[None, None].float(), matrix, (48, 48))
    valid = (seen[0, 0].numpy() > 0.5) & (m2 > 0)
    # Away from the borders, where interpolation of the padding leaks in.
    valid = cv2_erode(valid)
    assert valid.sum() > 200
    diff = np.abs(warped[0].permute(1, 2, 0).numpy() - v2)[valid]
    assert diff.mean() < 5.0, diff.mean()  # the texture itself deviates by ~45
    # A wrong matrix (the inverse) must not match.
    wrong, _ = warp_maps(src, torch.linalg.inv(matrix), (48, 48))
    assert np.abs(wrong[0].permute(1, 2, 0).numpy() - v2)[valid].mean() > 5 * diff.mean()


def cv2_smooth(img):
    import cv2
    return cv2.GaussianBlur(img, (0, 0), 3)


def cv2_erode(mask):
    import cv2
    return cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)


class _GrowingCrop:
    """Crops one pixel less on each call, so two views differ in shape."""

    def __init__(self):
        self.calls = 0

    def __call__(self, results):
        self.calls += 1
        return ExactCenterCrop(size=32 - self.calls)(results)


def test_multiview_rejects_unequal_views(frame):
    with pytest.raises(ValueError, match='differ in shape'):
        MultiView(num_views=2, transforms=[_GrowingCrop()])(start(frame))


def noisy_frame(w, h, seed=0):
    """(h, w, 3) uint8 with detail down to the pixel (noise and one-pixel lines),
    where an aliased resize and an antialiased one differ most."""
    rng = np.random.default_rng(seed)
    img = rng.normal(128, 40, (h, w, 3))
    img[:, ::5] = 255
    return np.clip(img, 0, 255).astype(np.uint8)


def recorded_box(matrix, size=224):
    """(x0, y0, w, h) of the crop a crop-and-resize matrix to ``size`` describes."""
    sx, sy = float(matrix[0, 0]), float(matrix[1, 1])
    return (round(-float(matrix[0, 2]) / sx), round(-float(matrix[1, 2]) / sy),
            round(size / sx), round(size / sy))


# (w, h): always shrunk (every crop of 30-100% of the area is > 224 on both sides);
# always enlarged; the public 299x299 frames and odd sizes, mixed.
@pytest.mark.parametrize('w,h', [(640, 480), (97, 61), (299, 299), (333, 249), (251, 401)])
def test_pillow_crop_is_the_public_crop_of_the_recorded_box(w, h):
    """backend='pillow' gives torchvision's resized_crop (PIL bilinear, antialiased
    when shrinking) of exactly the box its homography records; OpenCV's bilinear
    of the same box differs by far more where it shrinks."""
    from PIL import Image
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as TF
    frame = noisy_frame(w, h)
    for seed in range(4):
        np.random.seed(seed)
        out = RandomAreaCrop(224, scale=(0.3, 1.0), backend='pillow')(start(frame))
        np.random.seed(seed)
        fast = RandomAreaCrop(224, scale=(0.3, 1.0))(start(frame))
        matrix = out['homography_matrix'].astype(np.float64)
        np.testing.assert_array_equal(matrix, fast['homography_matrix'])  # same draw
        x0, y0, cw, ch = box = recorded_box(matrix)
        assert 0 <= x0 and x0 + cw <= w and 0 <= y0 and y0 + ch <= h
        # The matrix maps the box's corners onto the output's, exactly.
        np.testing.assert_allclose(matrix @ [x0, y0, 1], [0, 0, 1], atol=1e-4)
        np.testing.assert_allclose(matrix @ [x0 + cw, y0 + ch, 1], [224, 224, 1],
                                   atol=1e-3)
        public = np.array(TF.resized_crop(Image.fromarray(frame), y0, x0, ch, cw,
                                          [224, 224], InterpolationMode.BILINEAR))
        assert out['img'].shape == (224, 224, 3) and out['img'].dtype == np.uint8
        assert np.abs(out['img'].astype(int) - public).max() <= 1, box
        assert out['valid_mask'].shape == (224, 224) and out['valid_mask'].all()
        if cw > 300 and ch > 300:  # shrunk by more than 1.3: OpenCV aliases
            assert np.abs(fast['img'].astype(int) - public).max() > 40, box


def test_pillow_crop_needs_an_rgb_uint8_frame_and_its_interpolations():
    crop = RandomAreaCrop(8, backend='pillow')
    out = crop(dict(img=noisy_frame(16, 16)))  # no record yet: one is started
    assert out['img'].shape == (8, 8, 3) and out['homography_matrix'].shape == (3, 3)
    with pytest.raises(TypeError, match='uint8 RGB frame'):
        crop(start(np.zeros((16, 16, 3), np.float32)))
    assert "backend='pillow'" in repr(crop)
    with pytest.raises(ValueError, match="backend must be 'cv2' or 'pillow'"):
        RandomAreaCrop(8, backend='PIL')
    with pytest.raises(ValueError, match=r"with backend 'pillow' must be one of"):
        RandomAreaCrop(8, interpolation='area', backend='pillow')
