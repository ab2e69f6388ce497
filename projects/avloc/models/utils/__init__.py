from .av_embeddings import AVEmbeddings
from .gather_negatives import gather_across_ranks
from .heatmap import cosine_heatmaps, min_max, paired_heatmaps
from .predictions import attach_predictions

__all__ = ['AVEmbeddings', 'gather_across_ranks', 'cosine_heatmaps', 'min_max',
           'paired_heatmaps', 'attach_predictions']
