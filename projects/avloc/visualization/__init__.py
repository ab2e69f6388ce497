from .frame_overlay import frame_overlay
from .heatmap_overlay import overlay_heatmap

__all__ = ['frame_overlay', 'overlay_heatmap']
