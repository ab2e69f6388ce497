"""The overlays' colour scale: fixed by default, so a flat map looks flat; the colour
bar; the alpha setting."""
import cv2
import numpy as np
import pytest

from avloc.visualization import (FIXED_RANGE, colour_bar, colour_bar_width, colour_levels,
                                 overlay_heatmap, to_unit_range)


def jet(level: float) -> np.ndarray:
    """The RGB colour JET gives a level in [0, 1]."""
    pixel = np.full((1, 1), int(level * 255), np.uint8)
    return cv2.applyColorMap(pixel, cv2.COLORMAP_JET)[0, 0, ::-1].astype(int)


def test_a_flat_map_stays_flat_on_the_fixed_scale_and_is_stretched_per_frame():
    flat = np.linspace(0.654, 0.705, 64, dtype=np.float32).reshape(8, 8)  # the map
    levels, shown = colour_levels(flat)
    assert shown == FIXED_RANGE
    # cosines 0.308 .. 0.41 on a cosine 0..1 scale: about a tenth of the colours
    np.testing.assert_allclose([levels.min(), levels.max()], [0.308, 0.41], atol=1e-5)
    stretched, shown = colour_levels(flat, 'frame')
    assert (stretched.min(), stretched.max()) == (0.0, 1.0)
    np.testing.assert_allclose(shown, (0.654, 0.705), atol=1e-6)


def test_the_fixed_scale_clips_negative_cosines_to_the_coldest_colour():
    levels, _ = colour_levels(to_unit_range(np.array([[-1.0, -0.2, 0.0, 0.5, 1.0]])))
    np.testing.assert_allclose(levels, [[0, 0, 0, 0.5, 1]], atol=1e-6)


@pytest.mark.parametrize('kwargs,message', [
    (dict(scale='global'), "scale must be one of"),
    (dict(value_range=(0.8, 0.8)), 'high > low'),
])
def test_bad_scales_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        colour_levels(np.zeros((2, 2)), **kwargs)


def test_overlay_colours_follow_the_fixed_scale_and_alpha():
    img = np.full((20, 30, 3), 100, np.uint8)
    cold, hot = np.full((4, 6), 0.5, np.float32), np.full((4, 6), 1.0, np.float32)
    np.testing.assert_array_equal(overlay_heatmap(img, cold, alpha=1.0)[5, 5], jet(0.0))
    np.testing.assert_array_equal(overlay_heatmap(img, hot, alpha=1.0)[5, 5], jet(1.0))
    np.testing.assert_array_equal(overlay_heatmap(img, hot, alpha=0.0), img)
    half = overlay_heatmap(img, hot, alpha=0.25)[5, 5].astype(int)
    np.testing.assert_allclose(half, 0.75 * 100 + 0.25 * jet(1.0), atol=1)
    with pytest.raises(ValueError, match=r'alpha must be in \[0, 1\], got 1.5'):
        overlay_heatmap(img, hot, alpha=1.5)


def test_the_colour_bar_runs_from_blue_to_red_and_keeps_sizes_even():
    for height in (48, 239, 360, 720, 1080):
        bar = colour_bar(height, FIXED_RANGE)
        assert bar.shape == (height, colour_bar_width(height), 3) and bar.dtype == np.uint8
        assert bar.shape[1] % 2 == 0
    bar = colour_bar(360, FIXED_RANGE)
    column = bar[:, 4].astype(int)  # inside the ramp
    coloured = np.flatnonzero(column.max(1) - column.min(1) > 30)  # not grey nor text
    top, bottom = column[coloured[0] + 1], column[coloured[-1] - 1]
    assert top[0] > 100 and top[2] < 60, f'top of the bar is not red: {top}'
    assert bottom[2] > 100 and bottom[0] < 60, f'bottom of the bar is not blue: {bottom}'


def test_an_overlay_with_its_colour_bar_is_wider_by_the_bar():
    img = np.zeros((48, 64, 3), np.uint8)
    out = overlay_heatmap(img, np.full((4, 4), 0.75, np.float32), with_colour_bar=True)
    assert out.shape == (48, 64 + colour_bar_width(48), 3)
    np.testing.assert_array_equal(out[:, 64:], colour_bar(48, FIXED_RANGE))
