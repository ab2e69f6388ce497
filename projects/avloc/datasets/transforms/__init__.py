from .audio import AudioToSpectrogram
from .formatting import MultiView, PackAVInputs
from .geometric import CenterCrop, RandomFlip, RandomResizedCrop, RandomRotate, Resize
from .loading import LoadAudio, LoadFrame, MediaError
from .photometric import ColorJitter, RandomGaussianBlur, RandomGrayscale

__all__ = [
    'AudioToSpectrogram', 'MultiView', 'PackAVInputs', 'CenterCrop', 'RandomFlip',
    'RandomResizedCrop', 'RandomRotate', 'Resize', 'LoadAudio', 'LoadFrame', 'MediaError',
    'ColorJitter', 'RandomGaussianBlur', 'RandomGrayscale'
]
