from .heatmap_visualization_hook import HeatmapVisualizationHook

__all__ = ['HeatmapVisualizationHook']
