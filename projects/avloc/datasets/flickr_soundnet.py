"""Flickr-SoundNet clips, with the per-clip XML boxes of its test set."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List

import numpy as np

from avloc.registry import DATASETS
from .vggsound import VGGSoundDataset, check_boxes

COORDINATES = ('xmin', 'ymin', 'xmax', 'ymax')


def read_flickr_xml(path: str, frame_size: int = 256,
                    box_policy: str = 'error') -> np.ndarray:
    """Every annotator's box of one Flickr-SoundNet test clip.

    Each ``<bbox>`` element holds one annotator's box: ``xmin``, ``ymin``, ``xmax``,
    ``ymax`` children in pixels of a ``frame_size`` square frame, beside a label.
    The children are read by tag name, so their order does not matter (the public
    LVS evaluator reads them by position, after a first child it skips).

    Args:
        path (str): The XML file.
        frame_size (int): Side of the frame the pixels refer to. Defaults to 256.
        box_policy (str): 'error' or 'clip', for a box outside the frame, empty or
            inverted, as for VGG-SS (see :func:`check_boxes`). Defaults to 'error'.

    Returns:
        np.ndarray: (N, 4) float32 boxes normalised to [0, 1], one per annotator
        box (fewer where 'clip' drops a box left empty).
    """
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as err:
        raise ValueError(f'{path}: not a readable annotation file ({err})') from err
    boxes = []
    for index, element in enumerate(root.iter('bbox')):
        where = f'{path}: <bbox> {index}'
        fields = {child.tag: (child.text or '').strip() for child in element}
        try:
            box = np.array([[float(fields[tag]) for tag in COORDINATES]])  # (1, 4)
        except (KeyError, ValueError):
            raise ValueError(f'{where} needs numeric {", ".join(COORDINATES)}; found '
                             f'{fields}') from None
        boxes.append(check_boxes(box / frame_size, box_policy, where, frame_size))
    if not boxes:
        raise ValueError(f'{path}: no <bbox> element')
    return np.concatenate(boxes)  # (N, 4) float32


@DATASETS.register_module()
class FlickrSoundNetDataset(VGGSoundDataset):
    """Flickr-SoundNet clips in the extracted layout of the public code.

    Training lists are the 10k / 144k id lists; the test set (``flickr_test.csv``,
    249 clips) takes its boxes from ``<data_root>/<annotation_dir>/<id>.xml``. All
    annotators' boxes are kept: score them with ``CIoUMetric(gt_map='consensus')``,
    the protocol's consensus map.

    Args:
        annotation_dir (str, optional): Folder of the XML files; required in test
            mode. Defaults to 'Annotations'.
        annotation_frame_size (int): Side of the square frame the XML pixel
            coordinates refer to. Defaults to 256.
        box_policy (str): What a box outside the frame, empty or inverted does:
            'error' or 'clip' (:func:`read_flickr_xml`). Defaults to 'error'.
        **kwargs: Passed to :class:`VGGSoundDataset` (defaults here: extracted
            frames + the 22,050 Hz wav audio ``prepare.py`` writes; ``audio_ext='.mp3'``
            reads SoundNet's mp3 release instead).
    """

    def __init__(self, annotation_dir: str = 'Annotations', annotation_frame_size: int = 256,
                 **kwargs) -> None:
        self.annotation_dir = annotation_dir
        self.annotation_frame_size = annotation_frame_size
        kwargs.setdefault('data_prefix', dict(frame='frames', audio='audio'))
        kwargs.setdefault('audio_ext', '.wav')
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        if self.test_mode:
            folder = osp.join(self.data_root, self.annotation_dir)
            for item in data_list:
                path = osp.join(folder, item['clip_id'] + '.xml')
                if not osp.isfile(path):
                    raise FileNotFoundError(f'{path}: no annotation for test clip '
                                            f'{item["clip_id"]} of {self.ann_file}')
                item['gt_bboxes'] = read_flickr_xml(path, self.annotation_frame_size,
                                                    self.box_policy)
        return data_list
