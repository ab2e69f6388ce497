import numpy as np
import torch

from avloc.structures.geometry import hflip_matrix, rotation_matrix, translation_matrix, warp_maps


def test_identity_keeps_the_maps_and_all_pixels_inside():
    maps = torch.rand(2, 3, 5, 7)
    warped, inside = warp_maps(maps, torch.eye(3).expand(2, 3, 3), (5, 7))
    torch.testing.assert_close(warped, maps)
    assert inside.shape == (2, 1, 5, 7) and inside.all()


def test_shift_and_flip_move_the_cells():
    maps = torch.arange(12.).reshape(1, 1, 3, 4)
    shifted, inside = warp_maps(maps, torch.tensor(translation_matrix(1, 0))[None].float(), (3, 4))
    torch.testing.assert_close(shifted[0, 0, :, 1:], maps[0, 0, :, :-1])
    assert not inside[0, 0, :, 0].any() and inside[0, 0, :, 1:].all()
    flipped, _ = warp_maps(maps, torch.tensor(hflip_matrix(4))[None].float(), (3, 4))
    torch.testing.assert_close(flipped, maps.flip(-1))


def test_warps_take_float16_maps():
    """A float16 encoder on a GPU hands the warps float16 heatmaps; before the fix
    ``torch.linalg.inv`` refused them ('Low precision dtypes not supported')."""
    maps = torch.rand(2, 1, 8, 8).half()
    matrix = torch.from_numpy(np.stack([rotation_matrix(8, 8, a) for a in (10, 20)])).float()
    warped, inside = warp_maps(maps, matrix, (8, 8))
    assert warped.dtype == torch.float32
    expected, expected_inside = warp_maps(maps.float(), matrix, (8, 8))
    torch.testing.assert_close(warped, expected)
    assert torch.equal(inside, expected_inside)
