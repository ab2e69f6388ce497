"""Inference API: build a localizer from a config or a model-zoo name; heatmaps for
frames in memory and for video files (``LocalizerInferencer``: files or arrays in,
predictions and overlays out), and the overlay video that ``tools/demo`` writes
(``input_errors``: how the demos report bad input)."""
from avloc.models.converters import CheckpointMismatchError, check_fits
from avloc.visualization import to_unit_range
from .inferencer import LocalizerInferencer
from .init_localizer import MissingWeightsError, init_localizer
from .input_arrays import checked_audio, checked_frame
from .localize import InferencePipeline, localize, localize_packed
from .localize_video import localize_video, video_info
from .model_zoo import get_model, list_models, resolve
from .overlay_video import overlay_video
from .provenance import Provenance

__all__ = ['CheckpointMismatchError', 'InferencePipeline', 'LocalizerInferencer',
           'MissingWeightsError', 'Provenance', 'check_fits', 'checked_audio',
           'checked_frame', 'get_model', 'init_localizer', 'list_models', 'localize',
           'localize_packed', 'localize_video', 'overlay_video', 'resolve', 'to_unit_range',
           'video_info']
