from .avshapes import AVShapesDataset
from .transforms import *  # noqa: F401,F403
from .vggsound import VGGSoundDataset, read_box_file, read_id_list

__all__ = ['AVShapesDataset', 'VGGSoundDataset', 'read_box_file', 'read_id_list']
