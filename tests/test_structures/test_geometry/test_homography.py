import cv2
import numpy as np
import pytest
import torch

from avloc.structures.geometry import (compose, crop_resize_matrix, grid_homography, hflip_matrix,
                                       rotation_matrix, scale_matrix, to_pixel_index,
                                       translation_matrix)


def apply(matrix, points):
    """(N, 2) points through a (3, 3) homography."""
    out = np.c_[points, np.ones(len(points))] @ matrix.T
    return out[:, :2] / out[:, 2:]


def test_crop_resize_maps_the_box_edges_onto_the_output_edges():
    matrix = crop_resize_matrix(10, 4, 40, 20, 80, 10)  # box x 10..50, y 4..24
    np.testing.assert_allclose(apply(matrix, [[10, 4], [50, 24]]), [[0, 0], [80, 10]])
    assert matrix.dtype == np.float64


def test_hflip_mirrors_the_edges_and_is_its_own_inverse():
    np.testing.assert_array_equal(apply(hflip_matrix(30), [[0, 5], [30, 5], [10, 7]]),
                                  [[30, 5], [0, 5], [20, 7]])
    np.testing.assert_array_equal(hflip_matrix(30) @ hflip_matrix(30), np.eye(3))


def test_rotation_turns_about_the_continuous_centre():
    matrix = rotation_matrix(40, 20, 90)
    np.testing.assert_allclose(apply(matrix, [[20, 10]]), [[20, 10]], atol=1e-12)
    # Counter-clockwise on screen (y down): a point right of the centre goes up.
    np.testing.assert_allclose(apply(matrix, [[30, 10]]), [[20, 0]], atol=1e-12)


def test_compose_applies_in_the_order_given():
    shift, double = translation_matrix(3, 0), scale_matrix(2, 2)
    np.testing.assert_array_equal(apply(compose(shift, double), [[1, 1]]), [[8, 2]])
    np.testing.assert_array_equal(apply(compose(double, shift), [[1, 1]]), [[5, 2]])
    np.testing.assert_array_equal(compose(shift, double, shift), shift @ double @ shift)


def test_to_pixel_index_is_what_opencv_warps_with():
    img = np.zeros((20, 30), np.float32)
    img[3, 25] = 1  # pixel centre (25.5, 3.5) in continuous coordinates
    flipped = cv2.warpAffine(img, to_pixel_index(hflip_matrix(30))[:2], (30, 20))
    assert flipped[3, 4] == 1 and flipped.sum() == 1  # 30 - 25.5 = 4.5, pixel 4


@pytest.mark.parametrize('dtype', [torch.float16, torch.float32])
def test_grid_homography_rescales_to_the_grids(dtype):
    # Image 64 -> 32 (a halving), source grid 8 cells, destination grid 4 cells.
    matrix = torch.tensor(scale_matrix(0.5, 0.5), dtype=dtype)[None]
    grid = grid_homography(matrix, (64, 64), (8, 8), (32, 32), (4, 4))
    assert grid.dtype == torch.float32  # reduced precision never reaches the inverse
    # Cell 8 of the source is image pixel 64, image pixel 32 of the destination, cell 4.
    torch.testing.assert_close(grid[0], torch.tensor(scale_matrix(0.5, 0.5),
                                                     dtype=torch.float32))
