from .avsbench import avsbench_fscore, avsbench_miou, heatmap_probabilities
from .ciou import (EVAL_SIZE, boxes_to_gt_map, centre_prior_map, ciou, ciou_at_threshold, ciou_auc,
                   lvs_normalize, mask_to_gt_map, median_threshold_mask, minmax_normalize,
                   resize_and_normalize, top_k_mask)
from .extended import SIZE_BINS, confidence_score, detection_scores, size_bin
from .instances import instance_group, instance_scores
from .negative_audio import (NEGATIVE_KINDS, PUBLISHED_THRESHOLDS, negative_audio_scores,
                             peak_thresholds)
from .protocols import PROTOCOLS, LocalizationProtocol, get_protocol
from .retrieval import build_index, gpu_available, retrieval_scores, search

__all__ = ['EVAL_SIZE', 'NEGATIVE_KINDS', 'PROTOCOLS', 'PUBLISHED_THRESHOLDS', 'SIZE_BINS',
           'LocalizationProtocol', 'avsbench_fscore', 'avsbench_miou', 'heatmap_probabilities',
           'instance_group', 'instance_scores', 'negative_audio_scores', 'peak_thresholds',
           'boxes_to_gt_map', 'centre_prior_map', 'ciou', 'ciou_at_threshold', 'ciou_auc',
           'build_index', 'confidence_score', 'detection_scores', 'get_protocol',
           'gpu_available', 'lvs_normalize', 'mask_to_gt_map', 'median_threshold_mask',
           'minmax_normalize', 'resize_and_normalize',
           'retrieval_scores', 'search', 'size_bin', 'top_k_mask']
