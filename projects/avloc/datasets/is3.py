"""IS3, the Interactive Synthetic Sound Source test set of SSL-Align (Senocak et al.,
"Sound Source Localization is All about Cross-Modal Alignment", ICCV 2023; code
and the dataset's link at https://github.com/kaistmm/SSLalignment).

Each IS3 frame shows two sound-making objects; the set lists every object as its
own instance, the frame's image and the object's sound saved under the instance's
name (``accordion_baby_10467_baby``). Score the instances with
:func:`avloc.evaluation.functional.instances.instance_scores` over their
``instance_group`` for SSL-Align's IIoU and iAUC.
"""
import os.path as osp
from numbers import Real
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset

from avloc.evaluation.functional.instances import instance_group
from avloc.registry import DATASETS
from .file_index import FileIndex
from .list_paths import check_list_path
from .other_audio import OtherAudioMixin
from .vggsound import drop_duplicates, list_metainfo, read_json_list

# IS3's boxes are pixels of the 224x224 frame, the evaluation grid itself.
IS3_FRAME_SIZE = 224
IS3_KEYS = ('image', 'audio', 'gt_box')


def is3_box(value, where: str) -> np.ndarray:
    """One IS3 ``gt_box`` (pixels of the 224x224 frame) as a (1, 4) normalised box
    that the evaluation grid turns back into the same pixels.

    The ground-truth map reads a box as ``int(clip(v, 0, 1) * 224)``
    (:func:`~avloc.evaluation.functional.boxes_to_gt_map`). Stored as ``x / 224``
    in float32, 93 of the 225 integers 0..224 come back one lower; stored as
    ``(x + 0.5) / 224`` every one comes back as ``x`` (224 is stored as 1). A
    coordinate with a fraction is truncated first, as SSL-Align's
    ``int(bbox)`` does, so the map is theirs pixel for pixel.

    Args:
        value: The record's ``gt_box``, ``[x1, y1, x2, y2]``.
        where (str): The file and record, to start an error.

    Returns:
        np.ndarray: (1, 4) float32, in [0, 1].

    Raises:
        ValueError: for anything but 4 finite numbers in [0, 224] with
            ``x1 <= x2`` and ``y1 <= y2`` (an empty box is kept: theirs scores it).
    """
    if not (isinstance(value, list) and len(value) == 4 and
            all(isinstance(v, Real) and not isinstance(v, bool) for v in value)):
        raise ValueError(f'{where}: "gt_box" must be 4 numbers [x1, y1, x2, y2], in '
                         f'pixels of the {IS3_FRAME_SIZE}x{IS3_FRAME_SIZE} frame, '
                         f'found {value!r}')
    box = np.array(value, np.float64)
    if not np.isfinite(box).all() or (box < 0).any() or (box > IS3_FRAME_SIZE).any():
        raise ValueError(f'{where}: "gt_box" {value} leaves the {IS3_FRAME_SIZE}x'
                         f'{IS3_FRAME_SIZE} frame (coordinates must be in '
                         f'[0, {IS3_FRAME_SIZE}])')
    if box[2] < box[0] or box[3] < box[1]:
        raise ValueError(f'{where}: "gt_box" {value} is inverted (x2 < x1 or y2 < y1; '
                         'expected [x1, y1, x2, y2])')
    pixels = np.floor(box)  # int() of a non-negative number
    return np.minimum((pixels + 0.5) / IS3_FRAME_SIZE, 1).astype(np.float32)[None]


@DATASETS.register_module()
class IS3Dataset(OtherAudioMixin, BaseDataset):
    """IS3 instances, one frame and one object's sound each.

    Layout under ``data_root`` (as its authors distribute it)::

        images/<stem>.jpg          the frame, once per instance
        audio_wav/<stem>.wav       the instance's sound
        IS3_annotation.json        [{"image": ".../<stem>.jpg",
                                     "audio": ".../<stem>.wav",
                                     "gt_box": [x1, y1, x2, y2],   # 224x224 pixels
                                     "category": "baby"}, ...]     # or "class"

    Only the file names of ``image`` and ``audio`` count (the published records
    hold the authors' own absolute paths); both public loaders drop the folders
    alike. Each record becomes one sample: ``clip_id`` (the image's stem),
    ``instance_group`` (:func:`instance_group` of the stem: the frame),
    ``frame_path``, ``audio_path``, ``class_name`` when the record has a
    ``class`` or ``category``, and ``gt_bboxes`` (1, 4) normalised
    (:func:`is3_box`).

    A record that is not an object, lacks a key, has a box that is not 4 numbers,
    leaves the frame or is inverted, names a file that would leave its folder
    (:func:`~avloc.datasets.list_paths.check_list_path`) or whose stem has no
    ``_`` (no frame to group it in), or whose files are missing, is a ValueError
    naming the json file and the record's index. An instance listed twice is an
    error at test time (:func:`~avloc.datasets.vggsound.drop_duplicates`). The
    metainfo records the list's name, md5 and length and ``num_frames``.
    ``PackAVInputs`` carries ``instance_group`` into the data samples (one of its
    default ``meta_keys``).

    Args:
        ann_file (str): The annotation list. Defaults to 'IS3_annotation.json'.
        data_prefix (dict): Folders of the frames and the sounds. Defaults to
            ``dict(frame='images', audio='audio_wav')``.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, ann_file: str = 'IS3_annotation.json',
                 data_prefix: dict = dict(frame='images', audio='audio_wav'),
                 **kwargs) -> None:
        if not {'frame', 'audio'} <= set(data_prefix):
            raise ValueError("data_prefix needs 'frame' and 'audio' (the folders of the "
                             f'images and the sounds), got {data_prefix}')
        super().__init__(ann_file=ann_file, data_prefix=dict(data_prefix), **kwargs)

    @staticmethod
    def _file_name(record: dict, key: str, where: str) -> str:
        value = record[key]
        if not isinstance(value, str):
            raise ValueError(f'{where}: "{key}" must be a path string, found {value!r}')
        return check_list_path(value.split('/')[-1], f'{where} "{key}"')

    def _parse(self, index: int, record) -> dict:
        where = f'{self.ann_file}: record {index}'
        if not isinstance(record, dict):
            raise ValueError(f'{where} is not a JSON object: {str(record)[:100]}')
        missing = [key for key in IS3_KEYS if key not in record]
        if missing:
            raise ValueError(f'{where} has no {", ".join(missing)} (each record needs '
                             f'{", ".join(IS3_KEYS)})')
        image = self._file_name(record, 'image', where)
        audio = self._file_name(record, 'audio', where)
        stem = osp.splitext(image)[0]
        group = instance_group(stem)
        if not group:
            raise ValueError(f'{where}: image {image!r} names no frame: IS3 names an '
                             'instance <frame>_<object>, and its frame is what comes '
                             'before the last "_"')
        item = dict(clip_id=stem, instance_group=group,
                    frame_path=osp.join(self.data_prefix['frame'], image),
                    audio_path=osp.join(self.data_prefix['audio'], audio),
                    gt_bboxes=is3_box(record['gt_box'], where))
        class_name = record.get('class', record.get('category'))
        if class_name is not None:
            if not isinstance(class_name, str):
                raise ValueError(f'{where}: the class must be a string, found '
                                 f'{class_name!r}')
            item['class_name'] = class_name
        return item

    def load_data_list(self) -> List[dict]:
        records = read_json_list(self.ann_file, 'IS3 instance records')
        if not records:
            raise ValueError(f'{self.ann_file}: the list holds no records')
        items = [self._parse(i, r) for i, r in enumerate(records)]
        files = FileIndex()
        absent = [(i, files.absent(item)) for i, item in enumerate(items)]
        absent = [(i, paths) for i, paths in absent if paths]
        if absent:
            index, paths = absent[0]
            raise ValueError(f'{self.ann_file}: record {index} ({items[index]["clip_id"]})'
                             f' names missing files {paths}; {len(absent)} of '
                             f'{len(items)} records lack files')
        data_list = drop_duplicates(self.ann_file, items, self.test_mode)
        self._metainfo.update(list_metainfo(self.ann_file, len(data_list)),
                              num_frames=len({item['instance_group'] for item in data_list}))
        return data_list
