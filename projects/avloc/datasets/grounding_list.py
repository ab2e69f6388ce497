"""Any audio-referred grounding benchmark given as frames + audio + boxes or masks in
one JSON list (PascalSound, or a user's own test set)."""
import os.path as osp
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset

from avloc.registry import DATASETS
from .list_paths import check_list_path
from .other_audio import OtherAudioMixin
from .vggsound import list_metainfo, parse_boxes, read_json_list, require_listed_files


@DATASETS.register_module()
class GroundingListDataset(OtherAudioMixin, BaseDataset):
    """Test clips listed in a JSON file, paths relative to ``data_root``::

        [{"id": "0001", "frame": "frames/0001.jpg", "audio": "audio/0001.wav",
          "bbox": [[x1, y1, x2, y2], ...],      # normalised to [0, 1], or
          "mask": "masks/0001.png",             # a binary mask image
          "class": "dog"},                      # optional
         ...]

    Every entry needs an id, a frame, an audio file and either boxes or a mask; a
    box without 4 coordinates, outside [0, 1] or empty, an id given twice, or an id
    or path that would leave ``data_root``
    (:func:`~avloc.datasets.list_paths.check_list_path`), is an error that names the
    file and the entry.

    Args:
        ann_file (str): The JSON list.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def _parse(self, index: int, entry: dict) -> dict:
        if not isinstance(entry, dict):
            raise ValueError(f'{self.ann_file}: entry {index} is not a JSON object: '
                             f'{str(entry)[:100]}')
        where = f'{self.ann_file}: entry {index} ({entry.get("id", "no id")})'
        missing = [k for k in ('id', 'frame', 'audio') if k not in entry]
        if missing or not ('bbox' in entry or 'mask' in entry):
            raise ValueError(f'{where} needs id, frame, audio and bbox or mask; '
                             f'missing {missing or ["bbox or mask"]}')

        def checked(key: str) -> str:
            return check_list_path(entry[key], f'{where} "{key}"')

        # The id is checked too: it names the clip's outputs (overlays are <id>.png).
        item = dict(clip_id=check_list_path(str(entry['id']), f'{where} "id"'),
                    frame_path=osp.join(self.data_root, checked('frame')),
                    audio_path=osp.join(self.data_root, checked('audio')))
        if entry.get('class') is not None:
            item['class_name'] = entry['class']
        if 'mask' in entry:
            item['gt_mask_path'] = osp.join(self.data_root, checked('mask'))
        boxes = parse_boxes(entry.get('bbox', []), where)
        if not np.isfinite(boxes).all() or ((boxes < 0) | (boxes > 1)).any() or \
                (boxes[:, 2:] <= boxes[:, :2]).any():
            raise ValueError(f'{where}: boxes must be normalised x1 < x2, y1 < y2 in '
                             f'[0, 1], found {boxes.tolist()}')
        item['gt_bboxes'] = boxes.astype(np.float32)
        return item

    def load_data_list(self) -> List[dict]:
        entries = read_json_list(self.ann_file, 'clips')
        if not entries:
            raise ValueError(f'{self.ann_file}: expected a non-empty JSON list of clips')
        data_list = [self._parse(i, e) for i, e in enumerate(entries)]
        first_entry = {}
        for index, item in enumerate(data_list):
            clip_id = item['clip_id']
            if clip_id in first_entry:  # a repeated test clip would count twice
                raise ValueError(f'{self.ann_file}: entry {index} ({clip_id}) annotates '
                                 f'a clip twice (also entry {first_entry[clip_id]})')
            first_entry[clip_id] = index
        require_listed_files(self.ann_file, data_list)
        self._metainfo.update(list_metainfo(self.ann_file, len(data_list)))
        return data_list
