from .audio_mixing_hook import AudioMixingHook, nearest_in_queue
from .heatmap_visualization_hook import HeatmapVisualizationHook
from .non_finite_check_hook import NonFiniteCheckHook, non_finite_names

__all__ = ['AudioMixingHook', 'HeatmapVisualizationHook', 'NonFiniteCheckHook',
           'nearest_in_queue', 'non_finite_names']
