from .colour_bar import colour_bar, colour_bar_width
from .colour_scale import FIXED_RANGE, SCALES, check_overlay_settings, colour_levels, to_unit_range
from .frame_overlay import frame_overlay
from .heatmap_overlay import overlay_heatmap

__all__ = ['FIXED_RANGE', 'SCALES', 'check_overlay_settings', 'colour_bar', 'colour_bar_width',
           'colour_levels', 'frame_overlay', 'overlay_heatmap', 'to_unit_range']
