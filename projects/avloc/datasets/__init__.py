from .avshapes import AVShapesDataset
from .flickr_soundnet import FlickrSoundNetDataset, read_flickr_xml
from .transforms import *  # noqa: F401,F403
from .vggsound import VGGSoundDataset, read_box_file, read_id_list

__all__ = ['AVShapesDataset', 'FlickrSoundNetDataset', 'VGGSoundDataset', 'read_box_file',
           'read_flickr_xml', 'read_id_list']
