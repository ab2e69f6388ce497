from .heatmap_overlay import overlay_heatmap

__all__ = ['overlay_heatmap']
