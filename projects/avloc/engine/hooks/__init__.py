from .audio_mixing_hook import AudioMixingHook, nearest_in_queue
from .heatmap_visualization_hook import HeatmapVisualizationHook

__all__ = ['AudioMixingHook', 'HeatmapVisualizationHook', 'nearest_in_queue']
