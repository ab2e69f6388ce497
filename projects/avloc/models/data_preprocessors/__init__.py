from .av_data_preprocessor import AVDataPreprocessor

__all__ = ['AVDataPreprocessor']
