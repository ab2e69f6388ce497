"""Reading and writing media apart from the transforms, APIs and tools that use
them (as mmcv's ``image/io.py`` and ``video/io.py``): audio windows and wavs,
images and masks, video frames and videos, the filter graphs that turn frames
upright, and the :class:`MediaError` every reader raises.

Imports nothing of avloc's datasets, models or APIs: they all build on it.
"""
from .audio import audio_sample_rate, decode_window, read_pcm_wav, read_window, to_mono, write_wav
from .filter_graph import UprightRGB, clockwise_degrees, linked_graph
from .image import read_image, read_mask
from .media_error import MAX_PIXELS, MediaError, check_frame_size, require_file
from .streams import decoded_frames, open_first_stream
from .video import VideoWriter, frame_index, read_frames, read_video_frame, video_info, write_video

__all__ = [
    'audio_sample_rate', 'decode_window', 'read_pcm_wav', 'read_window', 'to_mono',
    'write_wav', 'UprightRGB', 'clockwise_degrees', 'linked_graph', 'read_image',
    'read_mask', 'MAX_PIXELS', 'MediaError', 'check_frame_size', 'require_file',
    'decoded_frames', 'open_first_stream', 'VideoWriter', 'frame_index', 'read_frames',
    'read_video_frame', 'video_info', 'write_video'
]
