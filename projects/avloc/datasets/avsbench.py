"""AVSBench frames with binary masks, for audio-referred localisation (Zhou et al.,
"Audio-Visual Segmentation", ECCV 2022, https://arxiv.org/abs/2207.05042): the
single-source (S4) and multi-source (MS3) subsets, in the layouts their authors
distribute (github.com/OpenNLPLab/AVSBench, ``avs_scripts/avs_{s4,ms3}/dataloader.py``).

Each video is 5 s long with one frame (and one mask) per second. A frame k is
paired with second k of its clip's audio (``audio_window='slice'``) or with the
whole clip (``'clip'``); the sound-localisation literature uses both.
"""
import csv
import os.path as osp
from typing import Iterable, List, Tuple

from mmengine.dataset import BaseDataset

from avloc.registry import DATASETS
from .list_paths import check_list_path
from .other_audio import OtherAudioMixin
from .vggsound import drop_duplicates, list_metainfo, require_listed_files

FRAMES_PER_VIDEO = 5
AUDIO_WINDOWS = ('slice', 'clip')


def read_list_lines(path: str) -> List[Tuple[int, str]]:
    """(line number, stripped line) of every non-empty line, without a byte order
    mark."""
    with open(path, encoding='utf-8-sig') as f:
        return [(n, line.strip()) for n, line in enumerate(f, start=1) if line.strip()]


def csv_fields(line: str) -> List[str]:
    """One csv line's stripped fields."""
    return [field.strip() for field in next(csv.reader([line]))]


def is_meta_header(line: str, columns: Iterable[str] = ('split',)) -> bool:
    """Whether ``line`` is the header of an AVSBench metadata csv naming ``columns``."""
    fields = csv_fields(line)
    return all(column in fields for column in columns)


def read_meta_rows(path: str, split: str, columns: Iterable[str] = ('split',)
                   ) -> List[Tuple[str, str, dict]]:
    """The videos of ``split`` in an AVSBench metadata csv (``s4_meta_data.csv``,
    ``ms3_meta_data.csv``), in the csv's order, as the public dataloaders select them
    (``df_all[df_all['split'] == split]``, the video name in the first column).

    Args:
        path (str): The csv; its first line is a header naming ``columns``.
        split (str): The value of the ``split`` column to keep.
        columns (Iterable[str]): Columns the header must name. Defaults to
            ('split',).

    Returns:
        list[tuple[str, str, dict]]: ``(where, video, row)`` of each kept video:
        ``where`` is ``'<path>:<line>'`` for errors, ``row`` maps the header's names
        to the row's fields.

    Raises:
        ValueError: naming the file (and line) when the header lacks a column, a row
        has another number of fields than the header, a video name would leave the
        data root, or no video is of ``split``.
    """
    columns = tuple(columns)
    lines = read_list_lines(path)
    if not lines or not is_meta_header(lines[0][1], columns):
        found = lines[0][1] if lines else 'an empty file'
        raise ValueError(f'{path}:{lines[0][0] if lines else 1}: expected a header naming '
                         f'the columns {list(columns)} (AVSBench\'s metadata csv), '
                         f'found {found!r}')
    header = csv_fields(lines[0][1])
    rows, splits = [], set()
    for number, line in lines[1:]:
        where = f'{path}:{number}'
        fields = csv_fields(line)
        if len(fields) != len(header):
            raise ValueError(f'{where}: expected {len(header)} fields as the header '
                             f'({",".join(header)}), found {line!r}')
        row = dict(zip(header, fields))
        splits.add(row['split'])
        if row['split'] == split:
            rows.append((where, check_list_path(fields[0], where), row))
    if not rows:
        raise ValueError(f'{path}: no video of split {split!r}; the list\'s splits are '
                         f'{sorted(splits)}')
    return rows


class AVSBenchFrames(OtherAudioMixin, BaseDataset):
    """What the AVSBench subsets share: the audio window of a frame, the checks on
    the list and the metainfo every evaluation logs.

    Args:
        ann_file (str): The list.
        split (str): The split to read. Defaults to 'test'.
        audio_window (str): 'slice' or 'clip'. Defaults to 'slice'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, ann_file: str, split: str = 'test', audio_window: str = 'slice',
                 **kwargs) -> None:
        if audio_window not in AUDIO_WINDOWS:
            raise ValueError(f"audio_window must be 'slice' or 'clip', got {audio_window!r}")
        self.split = split
        self.audio_window = audio_window
        super().__init__(ann_file=ann_file, **kwargs)

    def _frame_item(self, k: int, **info) -> dict:
        """Frame k's data info: ``info`` plus the audio window of second ``k``."""
        item = dict(info)
        if self.audio_window == 'slice':
            item.update(audio_offset=float(k - 1), audio_keep=1.0)
        return item

    def _frames(self) -> List[dict]:
        """The data info of every listed frame, in the list's order."""
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        data_list = drop_duplicates(self.ann_file, self._frames(), self.test_mode)
        require_listed_files(self.ann_file, data_list)
        self._metainfo.update(list_metainfo(self.ann_file, len(data_list)))
        return data_list


@DATASETS.register_module()
class AVSBenchS4Dataset(AVSBenchFrames):
    """AVSBench-S4 frames, each scored against its ground-truth mask.

    Layout under ``data_root`` (``Single-source/s4_data`` as its authors distribute
    it)::

        visual_frames/<split>/<class>/<video>/<video>_<k>.png   k = 1..5
        gt_masks/<split>/<class>/<video>/<video>_<k>.png        binary masks
        audio_wav/<split>/<class>/<video>.wav                   16 kHz, 5 s

    The list is either

    * lines ``<video>_<k>,<class>``, one frame each; or
    * AVSBench's ``s4_meta_data.csv`` (beside ``s4_data``, so
      ``ann_file='../s4_meta_data.csv'``): a header naming at least ``category``
      and ``split``, then one row per video, its name first. The rows of ``split``
      give frames 1 to 5 of each video, or frame 1 alone for 'train' (the one
      annotated frame of a training video, as ``S4Dataset`` reads it).

    Video and class must stay inside ``data_root``
    (:func:`~avloc.datasets.list_paths.check_list_path`).

    Args:
        ann_file (str): The frame list or the metadata csv.
        split (str): Folder level of the split, and the rows kept of the metadata
            csv. Defaults to 'test'.
        audio_window (str): 'slice' or 'clip'. Defaults to 'slice'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    META_COLUMNS = ('category', 'split')

    def _item(self, video: str, k: int, class_name: str) -> dict:
        folder = osp.join(self.split, class_name, video)
        stem = f'{video}_{k}'
        return self._frame_item(
            k, clip_id=stem, video=video, class_name=class_name,
            frame_path=osp.join(self.data_root, 'visual_frames', folder, stem + '.png'),
            gt_mask_path=osp.join(self.data_root, 'gt_masks', folder, stem + '.png'),
            audio_path=osp.join(self.data_root, 'audio_wav', self.split, class_name,
                                video + '.wav'))

    def _parse(self, number: int, line: str) -> dict:
        fields = csv_fields(line)
        stem = fields[0]
        video, _, k = stem.rpartition('_')
        if len(fields) != 2 or not video or not k.isdigit() or int(k) < 1:
            raise ValueError(f'{self.ann_file}:{number}: expected <video>_<k>,<class> '
                             f'with k >= 1, found {line!r}')
        where = f'{self.ann_file}:{number}'
        class_name = check_list_path(fields[1], where)
        check_list_path(stem, where)  # the video's folder and the frame's name
        return self._item(video, int(k), class_name)

    def _frames(self) -> List[dict]:
        lines = read_list_lines(self.ann_file)
        if lines and is_meta_header(lines[0][1], self.META_COLUMNS):
            # S4Dataset: mask_num = 1 if split == 'train' else 5.
            frames = (1, ) if self.split == 'train' else range(1, FRAMES_PER_VIDEO + 1)
            return [self._item(video, k, check_list_path(row['category'], where))
                    for where, video, row in read_meta_rows(self.ann_file, self.split,
                                                            self.META_COLUMNS)
                    for k in frames]
        return [self._parse(n, line) for n, line in lines]


@DATASETS.register_module()
class AVSBenchMS3Dataset(AVSBenchFrames):
    """AVSBench-MS3 (multiple sound sources) frames, each scored against its
    ground-truth mask.

    Layout under ``data_root`` (the ``Multi-sources`` folder as its authors
    distribute it; ``MS3Dataset`` and ``preprocess_ms3.py``)::

        ms3_meta_data.csv                                     one row per video
        ms3_data/visual_frames/<video>/<video>.mp4_<k>.png    k = 1..5, no split level
        ms3_data/gt_masks/<split>/<video>/<video>_<k>.png     binary masks
        ms3_data/audio_wav/<split>/<video>.wav                16 kHz, 5 s

    The csv's header names a ``split`` column and each row a video, its name
    first; the rows of ``split`` give frames 1 to 5 of each video (every MS3 split
    has all five masks), in the csv's order, which keeps AVSBench's test batches
    (see :class:`~avloc.evaluation.metrics.avsbench_metric.AVSBenchMetric`). A
    frame's ``clip_id`` is ``<video>_<k>``; ``video`` names its video.

    Args:
        ann_file (str): The metadata csv. Defaults to 'ms3_meta_data.csv'.
        split (str): The rows to keep, and the folder level of masks and audio.
            Defaults to 'test'.
        audio_window (str): 'slice' or 'clip'. Defaults to 'slice'.
        media_folder (str): The folder of the media under ``data_root``. Defaults
            to 'ms3_data'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, ann_file: str = 'ms3_meta_data.csv', split: str = 'test',
                 audio_window: str = 'slice', media_folder: str = 'ms3_data',
                 **kwargs) -> None:
        self.media_folder = media_folder
        super().__init__(ann_file=ann_file, split=split, audio_window=audio_window,
                         **kwargs)

    def _item(self, video: str, k: int) -> dict:
        media = osp.join(self.data_root, self.media_folder)
        return self._frame_item(
            k, clip_id=f'{video}_{k}', video=video,
            frame_path=osp.join(media, 'visual_frames', video, f'{video}.mp4_{k}.png'),
            gt_mask_path=osp.join(media, 'gt_masks', self.split, video, f'{video}_{k}.png'),
            audio_path=osp.join(media, 'audio_wav', self.split, video + '.wav'))

    def _frames(self) -> List[dict]:
        return [self._item(video, k) for _, video, _ in read_meta_rows(self.ann_file,
                                                                       self.split)
                for k in range(1, FRAMES_PER_VIDEO + 1)]
