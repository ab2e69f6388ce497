from .audio_controls import AUDIO_CONTROLS, SUBSTITUTE_AUDIO, AudioControl, substitute_waveform
from .av_data_sample import AVDataSample

__all__ = ['AUDIO_CONTROLS', 'AVDataSample', 'AudioControl', 'SUBSTITUTE_AUDIO',
           'substitute_waveform']
