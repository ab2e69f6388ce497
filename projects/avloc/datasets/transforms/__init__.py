from avloc.fileio import MediaError
from .audio import AudioToSpectrogram, LogSpectrogram, SpecAugment
from .audio_mixing import MixAudio
from .formatting import MultiView, PackAVInputs
from .frame_transform import FrameTransform
from .geometric import (ExactCenterCrop, FixedSizeResize, PillowResize, RandomAreaCrop,
                        RandomHorizontalFlip, RandomRotate, ShortSideResize)
from .loading import LoadAudio, LoadFrame, LoadGroundTruthMask
from .photometric import RandomColorJitter, RandomGaussianBlur, RandomGrayscaleRGB

__all__ = [
    'AudioToSpectrogram', 'LogSpectrogram', 'SpecAugment', 'MixAudio', 'MultiView',
    'FrameTransform', 'PackAVInputs', 'ExactCenterCrop', 'FixedSizeResize', 'PillowResize',
    'RandomAreaCrop', 'RandomHorizontalFlip', 'RandomRotate', 'ShortSideResize', 'LoadAudio',
    'LoadFrame', 'LoadGroundTruthMask', 'MediaError', 'RandomColorJitter',
    'RandomGaussianBlur', 'RandomGrayscaleRGB'
]
