"""The base of the transforms that touch only the frame."""
from mmcv.transforms import BaseTransform


class FrameTransform(BaseTransform):
    """A transform that reads and writes the frame and its annotations, never the
    audio. ``frame_only`` tells the other-audio control's audio-only pass
    (:func:`avloc.datasets.other_audio.audio_only_pipeline`) to skip it; a transform
    of your own can subclass this or set the attribute."""

    frame_only = True
