"""Inference API: build a localizer from a config or a model-zoo name; heatmaps for
frames in memory and for video files, and the overlay video that ``tools/demo``
writes (``input_errors``: how the demos report bad input)."""
from avloc.models.converters import CheckpointMismatchError, check_fits
from .init_localizer import init_localizer
from .localize import InferencePipeline, localize, localize_packed, to_unit_range
from .localize_video import localize_video, video_info
from .model_zoo import get_model, list_models, resolve
from .overlay_video import overlay_video

__all__ = ['CheckpointMismatchError', 'InferencePipeline', 'check_fits', 'get_model',
           'init_localizer', 'list_models', 'localize', 'localize_packed',
           'localize_video', 'overlay_video', 'resolve', 'to_unit_range', 'video_info']
