from .gather_negatives import gather_across_ranks
from .heatmap import cosine_heatmaps, paired_heatmaps
from .homography_warp import grid_homography, warp_maps
from .precision import force_float32
from .predictions import attach_predictions, checked_test_cfg

__all__ = ['gather_across_ranks', 'cosine_heatmaps', 'paired_heatmaps',
           'grid_homography', 'warp_maps', 'attach_predictions', 'checked_test_cfg',
           'force_float32']
