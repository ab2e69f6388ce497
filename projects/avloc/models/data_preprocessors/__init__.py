from .av_data_preprocessor import AVDataPreprocessor
from .batch_augments import (BatchColorJitter, BatchGaussianBlur, BatchMelSpectrogram,
                             BatchRandomGrayscale, BatchSpecAugment)

__all__ = ['AVDataPreprocessor', 'BatchColorJitter', 'BatchGaussianBlur',
           'BatchMelSpectrogram', 'BatchRandomGrayscale', 'BatchSpecAugment']
