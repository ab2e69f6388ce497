"""VGG-Sound-layout clips with optional VGG-SS-style boxes."""
import csv
import hashlib
import json
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from avloc.fileio import MediaError
from avloc.registry import DATASETS
from .file_index import FileIndex
from .list_paths import check_list_path
from .other_audio import OtherAudioMixin
from .seeded_index import apply_sample_seed
from .transforms.loading import audio_source

# SSL-TIE's Flickr-SoundNet training lists name a clip by its path in the SoundNet
# video release: ``videos/<a>/<b>/<c>/<id>.mp4`` or ``videos2/`` with eight folders
# of one digit each. Frames and audio are prepared under the bare ``<id>``.
_SOUNDNET_PATH = re.compile(r'videos2?/(?:[0-9]/)+(?P<id>[0-9]+)\.mp4')
_SUFFIXES = ('.jpg', '.png', '.mp4', '.wav', '.mp3')


def list_clip_id(item: str, where: str) -> str:
    """The clip id of one list entry, as the prepared layout names its files.

    A SoundNet release path (SSL-TIE's Flickr lists, ``videos/0/0/1/2950686001.mp4``)
    becomes its file name's id (``2950686001``); otherwise a ``.jpg``, ``.png``,
    ``.mp4``, ``.wav`` or ``.mp3`` suffix is dropped. VGG-Sound ids
    (``<youtube id>_<start s, 6 digits>``, in EZ-VSL's and SSL-TIE's lists alike)
    are the prepared file names already and stay as they are. The entry as read and
    the id it gives must both stay inside the data root (:func:`check_list_path`).

    Args:
        item (str): The entry, stripped, without extra CSV columns.
        where (str): The file and line, to start an error.

    Returns:
        str: The clip id.
    """
    check_list_path(item, where)
    soundnet = _SOUNDNET_PATH.fullmatch(item)
    if soundnet:
        return soundnet['id']
    stem, ext = osp.splitext(item)
    return check_list_path(stem if ext in _SUFFIXES else item, where)


def read_id_list(path: str) -> List[str]:
    """Clip ids of a split list: one per line, optional ``.jpg``/``.mp4``/``.wav``
    suffix, optional extra CSV columns, SoundNet release paths mapped to their ids
    (:func:`list_clip_id`), tolerant of a missing final newline and of a UTF-8 byte
    order mark. An id that would leave the data root is an error naming the line
    (:func:`check_list_path`)."""
    ids = []
    with open(path, encoding='utf-8-sig') as f:
        for number, line in enumerate(f, start=1):
            item = line.strip().split(',')[0].strip()
            if item:
                ids.append(list_clip_id(item, f'{path}:{number}'))
    if not ids:
        raise ValueError(f'{path}: the list holds no clip ids')
    return ids


def file_md5(path: str) -> str:
    """md5 of a file's bytes, logged with every evaluation so a score names the exact
    list it was computed on."""
    with open(path, 'rb') as f:
        return hashlib.md5(f.read()).hexdigest()


def list_metainfo(ann_file: str, num_listed: int) -> dict:
    """What a dataset records of its list, for every evaluation to log: the list's
    file name, its md5 and how many clips it names."""
    return dict(list_name=osp.basename(ann_file), list_md5=file_md5(ann_file),
                num_listed=num_listed)


def require_listed_files(ann_file: str, data_list: List[dict]) -> None:
    """Raise if any ``*_path`` of any listed clip is not a file, naming the list and
    the first missing files."""
    files = FileIndex()
    missing = [p for item in data_list for p in files.absent(item)]
    if missing:
        raise FileNotFoundError(f'{ann_file}: {len(missing)} files of the listed clips '
                                f'are missing, e.g. {missing[:3]}')


def read_clip_list(path: str, split: Optional[str] = None) -> List[dict]:
    """The clips of a split list in any of the formats the benchmarks ship.

    * one id per line, optional suffix and extra CSV columns (:func:`read_id_list`);
    * the official VGG-Sound ``vggsound.csv``, rows ``youtube_id,start_s,label,split``:
      ids become ``<youtube_id>_<start, 6 digits>`` with their class, and ``split``
      ('train' or 'test') keeps one split;
    * SLAVC's extended lists, header ``video,audio,label``: the frame of ``video``
      with the audio of ``audio``, ``label`` 'sounding' or 'non-sounding'.

    Every id must stay inside the data root (:func:`check_list_path`); an error
    names the line.

    Returns:
        list[dict]: ``clip_id`` and, where the format has them, ``class_name``,
        ``audio_id`` and ``is_sounding``.
    """
    with open(path, encoding='utf-8-sig') as f:  # drops a byte order mark
        numbered = [(n, line.strip()) for n, line in enumerate(f, start=1) if line.strip()]
    numbers = [n for n, _ in numbered]
    rows = [row for _, row in numbered]
    if rows and rows[0].replace(' ', '') == 'video,audio,label':
        clips = []
        for number, row in numbered[1:]:
            fields = [v.strip() for v in row.split(',')]
            if len(fields) != 3 or fields[2] not in ('sounding', 'non-sounding'):
                raise ValueError(f'{path}:{number}: expected video,audio,sounding|'
                                 f'non-sounding, found {row!r}')
            clips.append(dict(clip_id=check_list_path(fields[0], f'{path}:{number}'),
                              audio_id=check_list_path(fields[1], f'{path}:{number}'),
                              is_sounding=fields[2] == 'sounding'))
        return clips
    fields = list(csv.reader(rows))  # VGG-Sound labels may hold quoted commas
    if fields and all(len(f) == 4 and f[1].isdigit() and f[3] in ('train', 'test')
                      for f in fields):
        # One csv row per line: the rows came from lines, so no quoted newline.
        return [dict(clip_id=check_list_path(f'{yid}_{int(start):06d}', f'{path}:{number}'),
                     class_name=label)
                for number, (yid, start, label, part) in zip(numbers, fields)
                if split in (None, part)]
    if split is not None:
        raise ValueError(f'{path}: split={split!r} needs the vggsound.csv format '
                         '(youtube_id,start_s,label,split)')
    return [dict(clip_id=clip_id) for clip_id in read_id_list(path)]


def in_holdout(clip_id: str, fraction: float, seed: int = 0) -> bool:
    """Whether a clip belongs to the held-out share of its training list.

    The decision hashes the id alone, so it does not depend on the list's order or
    length: the 10k list's held-out clips are also held out of the 144k list."""
    digest = hashlib.md5(f'{seed}:{clip_id}'.encode()).digest()
    return int.from_bytes(digest[:8], 'big') / 2 ** 64 < fraction


def drop_duplicates(path: str, clips: List[dict], test_mode: bool) -> List[dict]:
    """The clips of a list with each (frame, audio) pair once.

    A repeated test clip would count twice in the score, so at test time a repeat is
    an error naming the repeated ids; in training it is logged and dropped (a
    repeat only weights a clip double). SLAVC's lists name a frame twice on purpose,
    once with its own audio and once with another clip's: those are not repeats.
    """
    seen, kept, repeated = set(), [], []
    for clip in clips:
        key = (clip['clip_id'], clip.get('audio_id'))
        if key in seen:
            repeated.append(clip['clip_id'])
            continue
        seen.add(key)
        kept.append(clip)
    if repeated:
        message = (f'{path}: {len(repeated)} entries repeat a listed clip: '
                   f'{sorted(set(repeated))[:10]}')
        if test_mode:
            raise ValueError(message + ' (a test clip must count once)')
        MMLogger.get_current_instance().warning(message + ' (each kept once)')
    return kept


def parse_boxes(value, where: str) -> np.ndarray:
    """(N, 4) float64 boxes from a JSON ``[[x1, y1, x2, y2], ...]`` (or one flat box);
    anything else is an error that starts with ``where``."""
    try:
        boxes = np.asarray(value, np.float64)
    except (TypeError, ValueError):  # ragged lists, strings
        boxes = None
    if boxes is not None and boxes.size == 0:
        return np.zeros((0, 4))
    if boxes is not None and boxes.shape == (4,):
        return boxes[None]
    if boxes is None or boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'{where}: boxes must be [x1, y1, x2, y2] (4 numbers each), '
                         f'found {value}')
    return boxes


def check_boxes(boxes: np.ndarray, box_policy: str, where: str,
                frame_size: float = 1.0) -> np.ndarray:
    """Apply ``box_policy`` to (N, 4) boxes normalised to [0, 1].

    ``'error'`` rejects a box with a coordinate outside [0, 1] or not finite, or an
    empty or inverted box, naming ``where``; ``'clip'`` clips coordinates to
    [0, 1] and drops boxes left empty.

    Args:
        boxes (np.ndarray): (N, 4) x1, y1, x2, y2, normalised.
        box_policy (str): 'error' or 'clip'.
        where (str): The file and entry, to start the error message.
        frame_size (float): Side of the frame the file's own coordinates refer to,
            so the message quotes the file's numbers. Defaults to 1.0.

    Returns:
        np.ndarray: (M, 4) float32, M <= N.
    """
    bad = ~np.isfinite(boxes).all(1) | (boxes < 0).any(1) | (boxes > 1).any(1) | \
        (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
    if bad.any():
        if box_policy == 'error':
            raise ValueError(f'{where} has a box outside the frame or empty: '
                             f'{(boxes[bad] * frame_size).tolist()} (expected x1 < x2, '
                             f'y1 < y2 in [0, {frame_size:g}]; box_policy=\'clip\' '
                             'clips them)')
        boxes = np.clip(np.nan_to_num(boxes), 0, 1)
        boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
    return boxes.astype(np.float32)


def read_json_list(path: str, what: str) -> list:
    """A JSON file that must hold a list (``what`` describes its entries)."""
    try:
        with open(path, encoding='utf-8-sig') as f:
            entries = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{path}: not valid JSON ({err})') from err
    if not isinstance(entries, list):
        raise ValueError(f'{path}: expected a JSON list of {what}, found a '
                         f'{type(entries).__name__}')
    return entries


def read_box_file(path: str, box_policy: str) -> dict:
    """``vggss.json`` (list of ``{"file", "class", "bbox": [[x1, y1, x2, y2], ...]}``,
    normalised coordinates) as ``{id: (class, (N, 4) float32 boxes)}``. An id is a
    clip id, held to :func:`check_list_path` as those of the lists are.

    ``box_policy`` applies to the coordinates (:func:`check_boxes`; the real
    vggss.json needs 'clip'). Invalid JSON, an entry without ``file``, a box without
    4 coordinates or a clip annotated twice is an error naming the entry, whatever
    the policy.
    """
    entries = read_json_list(path, '{"file", "class", "bbox"} entries')
    table: Dict[str, Tuple[Optional[str], np.ndarray]] = {}
    first_entry: Dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or 'file' not in entry:
            raise ValueError(f'{path}: entry {index} has no "file" (the clip id): '
                             f'{str(entry)[:100]}')
        clip_id = check_list_path(entry['file'], f'{path}: entry {index}')
        where = f'{path}: clip {clip_id}'
        if clip_id in first_entry:
            raise ValueError(f'{where} (entry {index}) is annotated twice (also entry '
                             f'{first_entry[clip_id]})')
        first_entry[clip_id] = index
        boxes = parse_boxes(entry.get('bbox', []), f'{where} (entry {index})')
        table[clip_id] = (entry.get('class'), check_boxes(boxes, box_policy, where))
    return table


@DATASETS.register_module()
class VGGSoundDataset(OtherAudioMixin, BaseDataset):
    """Clips in the VGG-Sound layout, one frame and one audio window each.

    Media come either from ``<data_root>/<data_prefix.video>/<id>.mp4`` (decoded with
    decord) or from the extracted layout ``<frame>/<id>.jpg`` + ``<audio>/<id>.wav``.
    The list may be any format :func:`read_clip_list` reads: the 10k / 144k id
    lists, the full ``vggsound.csv`` (which also names each clip's class), the VGG-SS
    and open-set test lists, or SLAVC's extended lists with non-sounding pairs.

    Args:
        ann_file (str): The split's list.
        box_file (str, optional): A ``vggss.json``-format annotation file; required
            for evaluation. Defaults to None.
        box_policy (str): 'error' or 'clip', see :func:`read_box_file`.
            Defaults to 'error'.
        split (str, optional): The split of a ``vggsound.csv`` list to keep.
            Defaults to None.
        holdout (dict, optional): Carve a validation split out of a training list:
            ``dict(fraction=0.01, seed=0, keep='rest' | 'holdout')`` keeps the
            clips outside (training) or inside (validation) the held-out share,
            chosen by :func:`in_holdout`. Defaults to None (every listed clip).
        missing (str, optional): What a listed clip without a file does: 'error' or
            'skip' (counted and logged). Defaults to None: 'error' in test mode,
            'skip' otherwise. A validation split of a downloaded training list
            sets 'skip', since some of its videos are gone from YouTube.
        min_clips (int): Fewest clips with files for the dataset to load. Set it to
            the batch size of a dataloader with ``drop_last=True``: with fewer
            clips such a loader yields no batch, and MMEngine stops on an
            assertion about ``epoch_length``. The dataset cannot see its
            dataloader, so the config says it. Defaults to 1.
        data_prefix (dict): ``dict(video='video')`` or
            ``dict(frame='frames', audio='audio')``.
        video_ext (str): Defaults to '.mp4'.
        frame_ext (str): Defaults to '.jpg'.
        audio_ext (str): Defaults to '.wav'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.

    In training (``test_mode=False``) a listed clip whose file is missing, or whose
    media fail to load, is skipped, counted and logged; at test time either is an
    error (unless ``missing='skip'``), because a skipped test clip would silently
    change the score. A clip listed twice is likewise dropped in training and an
    error at test time. When no clip has its files, or every clip found has failed
    to load, one error says how many clips were listed, found and usable. The
    metainfo records the list's name, md5 and length (``list_name``, ``list_md5``,
    ``num_listed``) and, when the list or box file names classes, ``classes``
    (sorted) with a ``gt_label`` index per clip.
    """

    METAINFO = dict(classes=None)

    def __init__(self, ann_file: str, box_file: Optional[str] = None,
                 box_policy: str = 'error', split: Optional[str] = None,
                 holdout: Optional[dict] = None, missing: Optional[str] = None,
                 data_prefix: dict = dict(video='video'), video_ext: str = '.mp4',
                 frame_ext: str = '.jpg', audio_ext: str = '.wav', min_clips: int = 1,
                 **kwargs) -> None:
        if box_policy not in ('error', 'clip'):
            raise ValueError(f"box_policy must be 'error' or 'clip', got {box_policy!r}")
        if holdout is not None:
            holdout = dict(dict(fraction=0.01, seed=0, keep='rest'), **holdout)
            if holdout['keep'] not in ('rest', 'holdout') or \
                    not 0 < holdout['fraction'] < 1:
                raise ValueError("holdout needs 0 < fraction < 1 and keep 'rest' or "
                                 f"'holdout', got {holdout}")
        if missing not in (None, 'error', 'skip'):
            raise ValueError(f"missing must be 'error' or 'skip', got {missing!r}")
        self.missing = missing or ('error' if kwargs.get('test_mode') else 'skip')
        self.box_file = box_file
        self.box_policy = box_policy
        self.split = split
        self.holdout = holdout
        self.video_ext = video_ext
        self.frame_ext = frame_ext
        self.audio_ext = audio_ext
        self.min_clips = min_clips
        self.num_skipped = 0
        self.bad_indices: set = set()  # clips whose media failed, in this process
        self._last_error: Optional[MediaError] = None
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

    def _item(self, clip: dict) -> dict:
        """A list entry with its media paths; a pair takes the audio of another clip."""
        item = dict(clip, **self._media_paths(clip['clip_id']))
        audio_id = item.pop('audio_id', None)
        if audio_id is not None:
            item['audio_path'] = audio_source(self._media_paths(audio_id))
        return item

    def _read_boxes(self) -> dict:
        if not self.box_file:
            return {}
        box_path = self.box_file if osp.isabs(self.box_file) or not self.data_root \
            else osp.join(self.data_root, self.box_file)
        return read_box_file(box_path, self.box_policy)

    def _select(self, clips: List[dict]) -> List[dict]:
        if self.holdout is None:
            return clips
        want = self.holdout['keep'] == 'holdout'
        return [c for c in clips if in_holdout(c['clip_id'], self.holdout['fraction'],
                                               self.holdout['seed']) == want]

    def load_data_list(self) -> List[dict]:
        clips = drop_duplicates(self.ann_file, self._select(
            read_clip_list(self.ann_file, self.split)), self.test_mode)
        self._metainfo.update(list_metainfo(self.ann_file, len(clips)))
        boxes = self._read_boxes()
        data_list, missing, files = [], [], FileIndex()
        for clip in clips:
            item = self._item(clip)
            absent = files.absent(item)
            if absent:
                missing.append(absent[0])
                continue
            if self.box_file and item.get('is_sounding', True):
                clip_id = item['clip_id']
                if clip_id not in boxes and self.test_mode:
                    raise ValueError(f'{self.box_file}: no boxes for clip {clip_id} '
                                     f'listed in {self.ann_file}')
                class_name, item['gt_bboxes'] = boxes.get(
                    clip_id, (None, np.zeros((0, 4), np.float32)))
                item.setdefault('class_name', class_name)
            data_list.append(item)
        if missing:
            message = (f'{self.ann_file}: {len(missing)} of {len(clips)} listed clips '
                       f'have no file, e.g. {missing[:3]}')
            if self.missing == 'error':
                raise FileNotFoundError(message)
            MMLogger.get_current_instance().warning(message + ' (skipped)')
        if len(data_list) < max(self.min_clips, 1):
            counts = self._counts(len(clips), len(data_list), len(data_list))
            if not data_list:
                raise FileNotFoundError(f'{counts}: no listed clip has its files (under '
                                        f'{self.data_prefix}), e.g. {missing[:3]}')
            raise ValueError(f'{counts}; fewer than min_clips={self.min_clips} (one '
                             'batch of a dataloader that drops its last batch)')
        self._label_classes(data_list)
        return data_list

    def _counts(self, listed: int, found: int, usable: int, bound: str = '') -> str:
        """The start of an error about too few clips: the list and its counts."""
        return (f'{self.ann_file}: {listed} clips listed, {found} found, '
                f'{bound}{usable} usable')

    def _label_classes(self, data_list: List[dict]) -> None:
        """Index the class names the list or the box file gave, unless the dataset
        fixes its classes (``METAINFO``)."""
        names = sorted({item['class_name'] for item in data_list
                        if item.get('class_name') is not None})
        if not names:
            return
        classes = list(self._metainfo.get('classes') or names)
        if not self._metainfo.get('classes'):
            self._metainfo['classes'] = tuple(classes)
        index = {name: i for i, name in enumerate(classes)}
        for item in data_list:
            if item.get('class_name') in index:
                item['gt_label'] = index[item['class_name']]

    def prepare_data(self, idx: int):
        """Run the pipeline; in training, a clip with unusable media is skipped
        (``None`` makes :meth:`__getitem__` draw another), counted and remembered,
        so that no other draw lands on it. An index from the training loop carries
        the seed of the clip's random draws."""
        apply_sample_seed(idx)
        try:
            return super().prepare_data(idx)
        except MediaError as err:
            if self.test_mode:
                raise
            self.num_skipped += 1
            self.bad_indices.add(int(idx))
            self._last_error = err
            MMLogger.get_current_instance().warning(
                f'skipped a training clip ({self.num_skipped} so far in this process): '
                f'{err}')
            if len(self.bad_indices) == len(self):
                raise RuntimeError(
                    self._counts(self.metainfo['num_listed'], len(self), 0) +
                    f': every clip found failed to load (last: {err})') from err
            return None

    def _rand_another(self) -> int:
        """A random clip not known to be bad (BaseDataset draws among all)."""
        while True:  # ends: prepare_data raises once every clip is bad
            idx = np.random.randint(0, len(self))
            if idx not in self.bad_indices:
                return idx

    def __getitem__(self, idx: int) -> dict:
        """As :meth:`BaseDataset.__getitem__`, but when ``max_refetch`` draws in a
        row fail in training the error says how many clips were listed, found and
        may still be usable, and names the last failure (BaseDataset's "Cannot find
        valid image" says neither). Usability is known per process: each dataloader
        worker learns it anew."""
        if self.test_mode:
            return super().__getitem__(idx)
        if not self._fully_initialized:
            self.full_init()
        for _ in range(self.max_refetch + 1):
            data = self.prepare_data(idx)
            if data is not None:
                return data
            idx = self._rand_another()
        raise RuntimeError(
            self._counts(self.metainfo['num_listed'], len(self),
                         len(self) - len(self.bad_indices), 'at most ') +
            f': {self.max_refetch + 1} clips in a row failed to load '
            f'(max_refetch={self.max_refetch}); last: {self._last_error}')
