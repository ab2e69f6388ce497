from .ciou import (EVAL_SIZE, boxes_to_gt_map, centre_prior_map, ciou, ciou_at_threshold,
                   ciou_auc, median_threshold_mask, resize_and_normalize)

__all__ = ['EVAL_SIZE', 'boxes_to_gt_map', 'centre_prior_map', 'ciou', 'ciou_at_threshold',
           'ciou_auc', 'median_threshold_mask', 'resize_and_normalize']
