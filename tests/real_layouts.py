"""Tiny downloads in the layouts the real benchmarks arrive in, for the walkthrough
test (docs/real_data.md).

* VGG-Sound: one folder of ``<youtube id>_<start s, 6 digits>.mp4`` clips, the
  names every public list uses.
* Flickr-SoundNet: SoundNet's video release, ``videos/<a>/<b>/<c>/<id>.mp4`` (the
  id's last three digits) or ``videos2/`` with eight one-digit folders (its last
  eight), as SSL-TIE's ``train_flickr_10k.txt`` names them; and the annotated test
  release of Senocak et al., whose ``Annotations/<id>.xml`` hold several
  annotators' boxes in pixels of a 256x256 frame.

The clips are a few seconds of smooth moving colour at a low frame rate with a
tone, long enough for the frames the preparation extracts (VGG-Sound: 5 s and the
public extractor's 4.96 s; Flickr: 3 s and 2.5 s).
"""
import os
import os.path as osp
from typing import Iterable, List, Sequence

import numpy as np

from avloc.datasets.vggsound import in_holdout, read_id_list
from avloc.fileio import write_video

RATE = 22050
FPS = 10
SIZE = (64, 96)  # (h, w): even, as yuv420p needs
# Past the frames the preparation extracts: VGG-Sound's at 5 s, Flickr's at 3 s.
VGGSOUND_SECONDS = 5.5
FLICKR_SECONDS = 3.5


def write_clip(path: str, seconds: float, seed: int) -> None:
    """A ``seconds``-long H.264 + AAC clip: a gradient whose colour moves with time
    and a tone whose pitch depends on ``seed`` (never silent: the preparation
    refuses silent audio)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    num = int(round(seconds * FPS))
    yy, xx = np.mgrid[:SIZE[0], :SIZE[1]]
    frames = np.stack([np.stack([(xx * 2 + 7 * t + 30 * seed) % 256, yy * 3,
                                 (255 - yy - 5 * t) % 256], axis=-1)
                       for t in range(num)]).astype(np.uint8)  # (T, h, w, 3)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.3 * np.sin(2 * np.pi * (220 + 55 * seed) * t)
    write_video(path, frames, FPS, tone.astype(np.float32), RATE)


def pick_training_ids(list_path: str, num_rest: int, num_holdout: int,
                      fraction: float = 0.02) -> List[str]:
    """The first ``num_rest`` ids of a training list that training keeps and the
    first ``num_holdout`` that the configs hold out for validation (2%, seed 0), so
    a handful of clips still gives both splits."""
    rest, held = [], []
    for clip_id in read_id_list(list_path):
        (held if in_holdout(clip_id, fraction) else rest).append(clip_id)
        if len(rest) >= num_rest and len(held) >= num_holdout:
            break
    return rest[:num_rest] + held[:num_holdout]


def vggsound_download(folder: str, clip_ids: Iterable[str],
                      seconds: float = VGGSOUND_SECONDS) -> None:
    """``<folder>/<id>.mp4`` for every id."""
    for seed, clip_id in enumerate(clip_ids):
        write_clip(osp.join(folder, clip_id + '.mp4'), seconds, seed)


def soundnet_path(clip_id: str, long_form: bool) -> str:
    """Where SoundNet's release keeps a video: ``videos/<a>/<b>/<c>/<id>.mp4`` or,
    with ``long_form``, ``videos2/`` and eight folders."""
    digits = clip_id[-8:] if long_form else clip_id[-3:]
    top = 'videos2' if long_form else 'videos'
    return osp.join(top, *digits, clip_id + '.mp4')


def soundnet_download(root: str, release_paths: Sequence[str], test_ids: Sequence[str],
                      seconds: float = FLICKR_SECONDS) -> None:
    """SoundNet's video release under ``root``: the training clips at the paths
    SSL-TIE's list gives, the test clips under ``videos2/``."""
    paths = list(release_paths) + [soundnet_path(i, True) for i in test_ids]
    for seed, path in enumerate(paths):
        write_clip(osp.join(root, path), seconds, seed)


def flickr_annotations(folder: str, clip_ids: Iterable[str]) -> None:
    """``<folder>/<id>.xml`` in the test release's form: one ``<bbox>`` per
    annotator (a label, then pixel coordinates of a 256x256 frame)."""
    os.makedirs(folder, exist_ok=True)
    for n, clip_id in enumerate(clip_ids):
        boxes = ''.join(
            f'<object><bbox><label>sound</label><xmin>{x}</xmin><ymin>{y}</ymin>'
            f'<xmax>{x + 128}</xmax><ymax>{y + 120}</ymax></bbox></object>'
            for x, y in ((10 + 20 * n, 30), (40, 60 + 10 * n)))
        with open(osp.join(folder, clip_id + '.xml'), 'w') as f:
            f.write(f'<?xml version="1.0"?>\n<annotation><file>{clip_id}</file>'
                    f'{boxes}</annotation>\n')
