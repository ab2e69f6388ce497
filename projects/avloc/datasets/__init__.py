from .avsbench import AVSBenchMS3Dataset, AVSBenchS4Dataset
from .avshapes import AVShapesDataset
from .avshapes_instances import AVShapesInstancesDataset
from .flickr_soundnet import FlickrSoundNetDataset, read_flickr_xml
from .grounding_list import GroundingListDataset
from .is3 import IS3Dataset
from .list_paths import check_list_path
from .other_audio import OtherAudioMixin, other_audio_partners
from .seeded_index import SeededEpochSampler, SeededIndex
from .transforms import *  # noqa: F401,F403
from .vggsound import (VGGSoundDataset, file_md5, in_holdout, read_box_file, read_clip_list,
                       read_id_list)

__all__ = ['AVSBenchMS3Dataset', 'AVSBenchS4Dataset', 'AVShapesDataset',
           'AVShapesInstancesDataset', 'FlickrSoundNetDataset', 'GroundingListDataset',
           'IS3Dataset', 'OtherAudioMixin', 'SeededEpochSampler', 'SeededIndex',
           'VGGSoundDataset', 'check_list_path', 'file_md5', 'in_holdout', 'read_box_file',
           'other_audio_partners', 'read_clip_list', 'read_flickr_xml',
           'read_id_list']
