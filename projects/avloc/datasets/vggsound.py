"""VGG-Sound-layout clips with optional VGG-SS-style boxes."""
import json
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from avloc.registry import DATASETS
from .transforms.loading import MediaError


def read_id_list(path: str) -> List[str]:
    """Clip ids of a split list: one per line, optional ``.jpg``/``.mp4``/``.wav``
    suffix, optional extra CSV columns, tolerant of a missing final newline."""
    ids = []
    with open(path) as f:
        for line in f:
            item = line.strip().split(',')[0].strip()
            if not item:
                continue
            stem, ext = osp.splitext(item)
            ids.append(stem if ext in ('.jpg', '.png', '.mp4', '.wav', '.mp3') else item)
    if not ids:
        raise ValueError(f'{path}: the list holds no clip ids')
    return ids


def read_box_file(path: str, box_policy: str) -> dict:
    """``vggss.json`` (list of ``{"file", "class", "bbox": [[x1, y1, x2, y2], ...]}``,
    normalised coordinates) as ``{id: (class, (N, 4) float32 boxes)}``.

    ``box_policy='error'`` rejects a coordinate outside [0, 1] or an empty box;
    ``'clip'`` clips coordinates to [0, 1] (the real vggss.json needs it) and drops
    boxes left empty.
    """
    with open(path) as f:
        entries = json.load(f)
    table = {}
    for entry in entries:
        boxes = np.asarray(entry.get('bbox', []), dtype=np.float64).reshape(-1, 4)
        bad = ~np.isfinite(boxes).all(1) | (boxes < 0).any(1) | (boxes > 1).any(1) | \
            (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
        if bad.any():
            if box_policy == 'error':
                raise ValueError(f'{path}: clip {entry["file"]} has a box outside the '
                                 f'frame or empty: {boxes[bad].tolist()} (expected '
                                 'normalised x1 < x2, y1 < y2 in [0, 1])')
            boxes = np.clip(np.nan_to_num(boxes), 0, 1)
            boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
        table[entry['file']] = (entry.get('class'), boxes.astype(np.float32))
    return table


@DATASETS.register_module()
class VGGSoundDataset(BaseDataset):
    """Clips in the VGG-Sound layout, one frame and one audio window each.

    Media come either from ``<data_root>/<data_prefix.video>/<id>.mp4`` (decoded with
    decord) or from the extracted layout ``<frame>/<id>.jpg`` + ``<audio>/<id>.wav``.

    Args:
        ann_file (str): The split's id list.
        box_file (str, optional): A ``vggss.json``-format annotation file; required
            for evaluation. Defaults to None.
        box_policy (str): 'error' or 'clip', see :func:`read_box_file`.
            Defaults to 'error'.
        data_prefix (dict): ``dict(video='video')`` or
            ``dict(frame='frames', audio='audio')``.
        video_ext (str): Defaults to '.mp4'.
        frame_ext (str): Defaults to '.jpg'.
        audio_ext (str): Defaults to '.wav'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.

    In training (``test_mode=False``) a listed clip whose file is missing, or whose
    media fail to load, is skipped, counted and logged; at test time either is an
    error, because a skipped test clip would silently change the score.
    """

    METAINFO = dict(classes=None)

    def __init__(self, ann_file: str, box_file: Optional[str] = None,
                 box_policy: str = 'error', data_prefix: dict = dict(video='video'),
                 video_ext: str = '.mp4', frame_ext: str = '.jpg',
                 audio_ext: str = '.wav', **kwargs) -> None:
        if box_policy not in ('error', 'clip'):
            raise ValueError(f"box_policy must be 'error' or 'clip', got {box_policy!r}")
        self.box_file = box_file
        self.box_policy = box_policy
        self.video_ext = video_ext
        self.frame_ext = frame_ext
        self.audio_ext = audio_ext
        self.num_skipped = 0
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def _media_paths(self, clip_id: str) -> dict:
        prefix = self.data_prefix
        if 'video' in prefix:
            return dict(video_path=osp.join(prefix['video'], clip_id + self.video_ext))
        if 'frame' in prefix and 'audio' in prefix:
            return dict(frame_path=osp.join(prefix['frame'], clip_id + self.frame_ext),
                        audio_path=osp.join(prefix['audio'], clip_id + self.audio_ext))
        raise ValueError("data_prefix needs 'video', or both 'frame' and 'audio', got "
                         f'{prefix}')

    def load_data_list(self) -> List[dict]:
        logger = MMLogger.get_current_instance()
        ids = read_id_list(self.ann_file)
        boxes = {}
        if self.box_file:
            box_path = self.box_file if osp.isabs(self.box_file) or not self.data_root \
                else osp.join(self.data_root, self.box_file)
            boxes = read_box_file(box_path, self.box_policy)
        data_list, missing = [], []
        for clip_id in ids:
            item = dict(clip_id=clip_id, **self._media_paths(clip_id))
            absent = [v for k, v in item.items() if k.endswith('_path') and not osp.isfile(v)]
            if absent:
                missing.append(absent[0])
                continue
            if self.box_file:
                if clip_id not in boxes and self.test_mode:
                    raise ValueError(f'{self.box_file}: no boxes for clip {clip_id} '
                                     f'listed in {self.ann_file}')
                item['class_name'], item['gt_bboxes'] = boxes.get(
                    clip_id, (None, np.zeros((0, 4), np.float32)))
            data_list.append(item)
        if missing:
            message = (f'{self.ann_file}: {len(missing)} of {len(ids)} listed clips have '
                       f'no file, e.g. {missing[:3]}')
            if self.test_mode:
                raise FileNotFoundError(message)
            logger.warning(message + ' (skipped)')
        return data_list

    def prepare_data(self, idx: int):
        """Run the pipeline; in training, a clip with unusable media is skipped
        (``None`` makes BaseDataset draw another) and counted."""
        try:
            return super().prepare_data(idx)
        except MediaError as err:
            if self.test_mode:
                raise
            self.num_skipped += 1
            MMLogger.get_current_instance().warning(
                f'skipped a training clip ({self.num_skipped} so far in this process): '
                f'{err}')
            return None
