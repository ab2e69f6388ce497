"""AVShapes: the embedded audio-visual localisation benchmark, generated from a seed.

Each clip is a static scene of 2-3 shapes of distinct classes on a textured
background; exactly one sounds. Every class has its own sound, so only the audio
tells which object to localise: a centre prior or another clip's audio scores low.
``version='v1'`` (the default) is the original benchmark, where each class also has
its own colour; ``version='v2'`` (``scenes_v2.py``) makes the class the shape and the
sound only, on cluttered natural textures seen through a camera, and picks the
sounding object at random among objects drawn alike.
The output follows the VGG-Sound / VGG-SS layout::

    <root>/video/avshapes_000000.mp4   H.264 video + AAC audio
    <root>/vggss.json                  [{"file", "class", "bbox": [[x1,y1,x2,y2]],
                                         "objects": [...], "distractor": ...}, ...]
    <root>/train.txt val.txt test.txt  clip ids
    <root>/avshapes_meta.json          the settings that made it
    <root>/.complete                   written last; its absence means "unfinished"

Generation is deterministic per clip (the seed and the clip index), so an
interrupted run resumes where it stopped and gives the same dataset.
"""
import json
import os
import os.path as osp
from dataclasses import asdict, dataclass
from multiprocessing import Pool
from typing import Optional, Tuple

import numpy as np
from tqdm import tqdm

from avloc.fileio import write_video
from .scenes import SHAPES, render_scene
from .scenes_v2 import TEXTURES, render_scene_v2
from .sounds import render_soundtrack

COMPLETE_MARKER = '.complete'


@dataclass
class AVShapesSettings:
    """The knobs of the embedded benchmark.

    Attributes:
        num_train, num_val, num_test: Clips per split.
        seed: Seed of the whole dataset.
        frame_size: Square frame side in pixels.
        num_classes: Visual/sound classes used (at most 8).
        three_object_prob: Probability of 3 objects instead of 2.
        side_range: Object side range as a fraction of the frame. The sounding
            object should cover over a quarter of the frame, or the LVS protocol's
            half-frame prediction can never reach cIoU 0.5 on it.
        min_side: Smallest side placement may shrink to.
        max_overlap: Largest overlap between two objects (share of the smaller).
        pixel_noise: Std of Gaussian pixel noise (0-255 scale).
        duration: Clip length in seconds.
        fps: Video frame rate.
        sample_rate: Audio sample rate in Hz.
        distractor_prob: Probability of an off-screen distractor sound.
        snr_db_range: Signal-to-noise ratio range of the white noise.
        version: ``'v1'``, the original benchmark (class colours, the sounding
            object placed first and never shrunk), or ``'v2'`` (see
            ``scenes_v2.py``; ``pixel_noise`` is then the largest noise std).
        v2_textures: v2 only: the object textures drawn from (any of
            ``scenes_v2.TEXTURES``).
        v2_clutter: v2 only: the smallest and largest number of clutter items.
        v2_background_contrast: v2 only: scale of the background's 1/f texture
            (0 leaves its mean colour).
        v2_camera: v2 only: apply the camera (zoom, shift, rotation, blur, gain,
            noise). The defaults of the four ``v2_*`` knobs make v2 as first
            defined; each can be eased alone to see what it costs a model.
    """
    num_train: int = 4000
    num_val: int = 200
    num_test: int = 500
    seed: int = 0
    frame_size: int = 128
    num_classes: int = 8
    three_object_prob: float = 0.5
    side_range: Tuple[float, float] = (0.5, 0.6)
    min_side: float = 0.3
    max_overlap: float = 0.3
    pixel_noise: float = 8.0
    duration: float = 1.0
    fps: int = 4
    sample_rate: int = 16000
    distractor_prob: float = 0.5
    snr_db_range: Tuple[float, float] = (5.0, 20.0)
    version: str = 'v1'
    v2_textures: Tuple[str, ...] = TEXTURES
    v2_clutter: Tuple[int, int] = (6, 14)
    v2_background_contrast: float = 1.0
    v2_camera: bool = True

    def __post_init__(self) -> None:
        """Check the settings once, before any clip is drawn."""
        if self.version not in ('v1', 'v2'):
            raise ValueError(f"version={self.version!r}: 'v1' or 'v2'")
        if self.num_classes > len(SHAPES):
            raise ValueError(f'num_classes={self.num_classes}: at most {len(SHAPES)}')
        if not self.v2_textures or set(self.v2_textures) - set(TEXTURES):
            raise ValueError(f'v2_textures={tuple(self.v2_textures)}: choose from '
                             f'{TEXTURES}')

    @property
    def num_clips(self) -> int:
        return self.num_train + self.num_val + self.num_test


def clip_id(index: int) -> str:
    return f'avshapes_{index:06d}'


def synthesize_clip(settings: AVShapesSettings, index: int):
    """Render clip ``index``: frame (H, W, 3) uint8, audio (N,) float32, annotation."""
    rng = np.random.default_rng([settings.seed, index])
    num_objects = 3 if rng.random() < settings.three_object_prob else 2
    classes = [int(c) for c in rng.choice(settings.num_classes, num_objects, replace=False)]
    scene_args = (rng, settings.frame_size, classes, settings.side_range,
                  settings.max_overlap, settings.min_side, settings.pixel_noise)
    if settings.version == 'v1':
        frame, boxes = render_scene(*scene_args)
        looks = [{}] * num_objects
        sounding = 0  # classes are drawn at random, so the sounding class is random too
    else:
        frame, boxes, looks = render_scene_v2(
            *scene_args, textures=settings.v2_textures, clutter=settings.v2_clutter,
            background_contrast=settings.v2_background_contrast,
            camera=settings.v2_camera)
        # Drawn after the scene, independently of it: no visual trait marks the
        # sounding object.
        sounding = int(rng.integers(num_objects))
    off_screen = [c for c in range(settings.num_classes) if c not in classes]
    distractor: Optional[int] = None
    if off_screen and rng.random() < settings.distractor_prob:
        distractor = int(rng.choice(off_screen))
    audio = render_soundtrack(rng, classes[sounding], distractor, settings.duration,
                              settings.sample_rate, settings.snr_db_range)
    annotation = {
        'file': clip_id(index),
        'class': SHAPES[classes[sounding]],
        'bbox': [[float(v) for v in boxes[sounding]]],
        'objects': [{'class': SHAPES[c], 'bbox': [float(v) for v in b],
                     'sounding': i == sounding, **look}
                    for i, (c, b, look) in enumerate(zip(classes, boxes, looks))],
        'distractor': None if distractor is None else SHAPES[distractor],
    }
    return frame, audio, annotation


def _make_clip(args) -> dict:
    settings, index, video_dir = args
    frame, audio, annotation = synthesize_clip(settings, index)
    path = osp.join(video_dir, clip_id(index) + '.mp4')
    if not osp.exists(path):  # resuming: finished clips are kept
        frames = np.repeat(frame[None], max(1, round(settings.duration * settings.fps)), 0)
        write_video(path, frames, settings.fps, audio, settings.sample_rate)
    return annotation


def is_complete(root: str) -> bool:
    return osp.isfile(osp.join(root, COMPLETE_MARKER))


def generate_avshapes(root: str, settings: Optional[AVShapesSettings] = None,
                      num_workers: int = 2, progress: bool = True) -> None:
    """Write the benchmark under ``root`` (see the module docstring).

    Args:
        root: Output folder; created if missing.
        settings: The knobs. Defaults to ``AVShapesSettings()``.
        num_workers: Encoding processes. Defaults to 2.
        progress: Show a progress bar with ETA. Defaults to True.

    Raises:
        ValueError: If ``root`` holds a finished dataset made with other settings.
    """
    settings = settings or AVShapesSettings()
    meta_path = osp.join(root, 'avshapes_meta.json')
    wanted = json.loads(json.dumps(asdict(settings)))
    if osp.isfile(meta_path):
        with open(meta_path) as f:
            found = json.load(f)
        # Settings added later take their default, which reproduces the folders
        # written before they existed.
        found = {**json.loads(json.dumps(asdict(AVShapesSettings()))), **found}
        if found != wanted:
            raise ValueError(f'{meta_path}: {root} was generated with other settings '
                             f'({found}); use another root or delete it')
    video_dir = osp.join(root, 'video')
    os.makedirs(video_dir, exist_ok=True)
    with open(meta_path, 'w') as f:
        json.dump(wanted, f, indent=2)

    jobs = [(settings, i, video_dir) for i in range(settings.num_clips)]
    bar = dict(total=len(jobs), desc=f'AVShapes -> {root}', unit='clip', disable=not progress)
    if num_workers > 1:
        with Pool(num_workers) as pool:
            annotations = list(tqdm(pool.imap(_make_clip, jobs, chunksize=16), **bar))
    else:
        annotations = [_make_clip(job) for job in tqdm(jobs, **bar)]

    with open(osp.join(root, 'vggss.json'), 'w') as f:
        json.dump(annotations, f)
    splits = {'train': (0, settings.num_train),
              'val': (settings.num_train, settings.num_train + settings.num_val),
              'test': (settings.num_train + settings.num_val, settings.num_clips)}
    for name, (start, stop) in splits.items():
        with open(osp.join(root, f'{name}.txt'), 'w') as f:
            f.writelines(clip_id(i) + '\n' for i in range(start, stop))
    with open(osp.join(root, COMPLETE_MARKER), 'w') as f:
        f.write('ok\n')
