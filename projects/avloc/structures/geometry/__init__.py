"""Homographies and heatmap resampling, below everything that uses them (the
transforms record the matrices, the losses warp with them, the metrics, overlays
and the inference API resample heatmaps with them)."""
from .heatmap_resize import heatmap_to_frame, resize_heatmap
from .homography import (compose, crop_resize_matrix, grid_homography, hflip_matrix,
                         rotation_matrix, scale_matrix, to_pixel_index, translation_matrix)
from .warp import warp_maps

__all__ = ['compose', 'crop_resize_matrix', 'grid_homography', 'heatmap_to_frame',
           'hflip_matrix', 'resize_heatmap', 'rotation_matrix', 'scale_matrix',
           'to_pixel_index', 'translation_matrix', 'warp_maps']
