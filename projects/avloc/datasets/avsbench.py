"""AVSBench single-source (S4) frames with binary masks, for audio-referred
localisation (Zhou et al., "Audio-Visual Segmentation", ECCV 2022)."""
import os.path as osp
from typing import List

from mmengine.dataset import BaseDataset

from avloc.registry import DATASETS
from .list_paths import check_list_path
from .other_audio import OtherAudioMixin
from .vggsound import drop_duplicates, list_metainfo, require_listed_files


@DATASETS.register_module()
class AVSBenchS4Dataset(OtherAudioMixin, BaseDataset):
    """AVSBench-S4 test frames, each scored against its ground-truth mask.

    Layout under ``data_root`` (as its authors distribute it)::

        visual_frames/<split>/<class>/<video>/<video>_<k>.png   k = 1..5
        gt_masks/<split>/<class>/<video>/<video>_<k>.png        binary masks
        audio_wav/<split>/<class>/<video>.wav                   16 kHz, 5 s

    The list has lines ``<video>_<k>,<class>``; video and class must stay inside
    ``data_root`` (:func:`~avloc.datasets.list_paths.check_list_path`). Frame k is
    paired with second k of its clip (``audio_window='slice'``) or with the whole
    5-s clip (``'clip'``); the sound-localisation literature uses both.

    Args:
        ann_file (str): The frame list.
        split (str): Folder level of the split. Defaults to 'test'.
        audio_window (str): 'slice' or 'clip'. Defaults to 'slice'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, ann_file: str, split: str = 'test', audio_window: str = 'slice',
                 **kwargs) -> None:
        if audio_window not in ('slice', 'clip'):
            raise ValueError(f"audio_window must be 'slice' or 'clip', got {audio_window!r}")
        self.split = split
        self.audio_window = audio_window
        super().__init__(ann_file=ann_file, **kwargs)

    def _parse(self, number: int, line: str) -> dict:
        fields = [f.strip() for f in line.split(',')]
        stem = fields[0]
        video, _, k = stem.rpartition('_')
        if len(fields) != 2 or not video or not k.isdigit() or int(k) < 1:
            raise ValueError(f'{self.ann_file}:{number}: expected <video>_<k>,<class> '
                             f'with k >= 1, found {line!r}')
        where = f'{self.ann_file}:{number}'
        class_name = check_list_path(fields[1], where)
        check_list_path(stem, where)  # the video's folder and the frame's name
        folder = osp.join(self.split, class_name, video)
        item = dict(clip_id=stem, class_name=class_name,
                    frame_path=osp.join(self.data_root, 'visual_frames', folder,
                                        stem + '.png'),
                    gt_mask_path=osp.join(self.data_root, 'gt_masks', folder, stem + '.png'),
                    audio_path=osp.join(self.data_root, 'audio_wav', self.split,
                                        class_name, video + '.wav'))
        if self.audio_window == 'slice':
            item.update(audio_offset=float(int(k) - 1), audio_keep=1.0)
        return item

    def load_data_list(self) -> List[dict]:
        with open(self.ann_file, encoding='utf-8-sig') as f:  # drops a byte order mark
            lines = [(n, line.strip()) for n, line in enumerate(f, start=1) if line.strip()]
        data_list = drop_duplicates(
            self.ann_file, [self._parse(n, line) for n, line in lines], self.test_mode)
        require_listed_files(self.ann_file, data_list)
        self._metainfo.update(list_metainfo(self.ann_file, len(data_list)))
        return data_list
