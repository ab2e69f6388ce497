from .audio import AudioToSpectrogram, LogSpectrogram, SpecAugment
from .audio_mixing import MixAudio
from .formatting import MultiView, PackAVInputs
from .geometric import (CenterCrop, PillowResize, RandomFlip, RandomResizedCrop,
                        RandomRotate, Resize)
from .loading import LoadAudio, LoadFrame, LoadGroundTruthMask, MediaError
from .photometric import ColorJitter, RandomGaussianBlur, RandomGrayscale

__all__ = [
    'AudioToSpectrogram', 'LogSpectrogram', 'SpecAugment', 'MixAudio', 'MultiView',
    'PackAVInputs', 'CenterCrop', 'PillowResize', 'RandomFlip', 'RandomResizedCrop',
    'RandomRotate', 'Resize', 'LoadAudio', 'LoadFrame', 'LoadGroundTruthMask', 'MediaError',
    'ColorJitter', 'RandomGaussianBlur', 'RandomGrayscale'
]
