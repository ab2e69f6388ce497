from .avshapes_generator import AVShapesSettings, generate_avshapes, is_complete, synthesize_clip
from .media_writer import write_video, write_wav

__all__ = ['AVShapesSettings', 'generate_avshapes', 'is_complete', 'synthesize_clip',
           'write_video', 'write_wav']
