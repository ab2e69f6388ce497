from .gather_negatives import gather_across_ranks
from .heatmap import cosine_heatmaps, paired_heatmaps
from .predictions import attach_predictions, checked_test_cfg

__all__ = ['gather_across_ranks', 'cosine_heatmaps', 'paired_heatmaps',
           'attach_predictions', 'checked_test_cfg']
