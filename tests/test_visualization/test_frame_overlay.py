import numpy as np

from avloc.visualization import colour_bar_width, frame_overlay

GREEN = (0, 255, 0)


def resize_crop(ori_hw, scale, crop_hw):
    """Homography of a resize by ``scale`` then a centre crop to ``crop_hw``."""
    h, w = ori_hw[0] * scale, ori_hw[1] * scale
    top, left = (h - crop_hw[0]) / 2, (w - crop_hw[1]) / 2
    return np.array([[1, 0, -left], [0, 1, -top], [0, 0, 1]]) @ np.diag([scale, scale, 1])


def test_overlay_has_the_frame_size_the_boxes_and_the_heat_where_the_crop_saw_it():
    frame = np.full((120, 200, 3), 128, np.uint8)
    # resize 120x200 -> 60x100, centre crop 60x60: input columns 0..60 are frame 40..160
    homography = resize_crop((120, 200), 0.5, (60, 60))
    heatmap = np.zeros((6, 6), np.float32)
    heatmap[:, 3:] = 1.0  # the right half of the input is hot: cosine 1, the rest 0
    out = frame_overlay(frame, heatmap, homography, (60, 60),
                        boxes=np.array([[0.1, 0.25, 0.5, 0.75]]))
    assert out.shape == (120, 200 + colour_bar_width(120), 3) and out.dtype == np.uint8
    assert tuple(out[30, 20 + 10]) == GREEN  # top edge of the box, x1 = 0.1 * 200
    assert tuple(out[60, 20]) == GREEN  # left edge
    hot, cold, cropped = out[60, 140], out[60, 70], out[60, 190]
    assert hot[0] > hot[2] and cold[2] > cold[0]  # JET: red over blue, blue over red
    assert np.array_equal(cropped, out[60, 5])  # both cropped away, both coldest
    assert cropped[2] > cropped[0]
