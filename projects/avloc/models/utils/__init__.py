from .heatmap import cosine_heatmaps, paired_heatmaps
from .homography_warp import grid_homography, warp_maps
from .other_audio import OtherAudioPairing
from .precision import force_float32
from .predictions import attach_predictions

__all__ = ['cosine_heatmaps', 'paired_heatmaps', 'grid_homography', 'warp_maps',
           'OtherAudioPairing', 'attach_predictions', 'force_float32']
