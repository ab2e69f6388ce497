from .av_data_sample import AVDataSample

__all__ = ['AVDataSample']
