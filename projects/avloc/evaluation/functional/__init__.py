from .ciou import (EVAL_SIZE, boxes_to_gt_map, centre_prior_map, ciou, ciou_at_threshold,
                   ciou_auc, mask_to_gt_map, median_threshold_mask, resize_and_normalize,
                   resize_heatmap, top_k_mask)
from .extended import SIZE_BINS, confidence_score, detection_scores, size_bin
from .protocols import PROTOCOLS, LocalizationProtocol, get_protocol

__all__ = ['EVAL_SIZE', 'PROTOCOLS', 'SIZE_BINS', 'LocalizationProtocol',
           'boxes_to_gt_map', 'centre_prior_map', 'ciou', 'ciou_at_threshold', 'ciou_auc',
           'confidence_score', 'detection_scores', 'get_protocol', 'mask_to_gt_map',
           'median_threshold_mask', 'resize_and_normalize', 'resize_heatmap',
           'size_bin', 'top_k_mask']
