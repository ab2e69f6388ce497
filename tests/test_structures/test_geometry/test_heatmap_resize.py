import cv2
import numpy as np
import pytest

from avloc.structures.geometry import crop_resize_matrix, heatmap_to_frame, resize_heatmap


def test_resize_modes_differ_where_the_published_code_differs():
    heat = np.arange(4, dtype=np.float32).reshape(2, 2)
    corners = resize_heatmap(heat, 4, align_corners=True)
    centres = resize_heatmap(heat, 4, align_corners=False)
    assert corners[0, 0] == 0 and corners[-1, -1] == 3  # corners hit the input values
    np.testing.assert_allclose(centres[0], [0, 0.25, 0.75, 1])  # edges replicate


@pytest.mark.parametrize('align_corners', [False, True])
def test_resize_takes_a_height_and_width(align_corners):
    heat = np.random.default_rng(0).random((3, 5))
    out = resize_heatmap(heat, (6, 10), align_corners)
    assert out.shape == (6, 10) and out.dtype == np.float32
    if not align_corners:
        np.testing.assert_array_equal(out, cv2.resize(heat.astype(np.float32), (10, 6)))


def test_heatmap_to_frame_undoes_a_centre_crop():
    heatmap = np.arange(4, dtype=np.float32).reshape(2, 2)
    # a 40x80 frame scaled by 0.5, then the middle 20x20 cropped (x from 10)
    homography = np.array([[0.5, 0, -10], [0, 0.5, 0], [0, 0, 1]])
    out = heatmap_to_frame(heatmap, homography, (20, 20), (40, 80), outside=-1)
    assert out.shape == (40, 80)
    assert (out[:, :20] == -1).all() and (out[:, 60:] == -1).all()
    assert out[5, 25] == 0 and out[5, 55] == 1 and out[35, 25] == 2 and out[35, 55] == 3


def test_heatmap_to_frame_after_a_plain_resize_is_a_resize():
    heatmap = np.random.default_rng(1).random((4, 6)).astype(np.float32)
    # a 30x45 frame resized to the 32x48 network input
    homography = crop_resize_matrix(0, 0, 45, 30, 48, 32)
    out = heatmap_to_frame(heatmap, homography, (32, 48), (30, 45))
    # equal up to OpenCV's 1/32-pixel fixed point
    np.testing.assert_allclose(out, resize_heatmap(heatmap, (30, 45)), atol=2e-2)
