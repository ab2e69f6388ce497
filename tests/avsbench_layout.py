"""Tiny AVSBench test sets in the exact layouts its authors distribute
(github.com/OpenNLPLab/AVSBench: ``avs_scripts/avs_{s4,ms3}/config.py`` and
``dataloader.py``, ``preprocess_scripts/preprocess_{s4,ms3}.py``)."""
from pathlib import Path
from typing import Dict, Sequence

import cv2
import numpy as np

from avloc.fileio import write_wav

RATE = 16000
FRAME_SHAPE = (24, 32)


def stepped_audio(seconds: int = 5) -> np.ndarray:
    """Second k (1-based) is a tone of amplitude k / 10, so a slice names itself."""
    t = np.arange(RATE) / RATE
    return np.concatenate([k / 10 * np.sin(2 * np.pi * 440 * t)
                           for k in range(1, seconds + 1)]).astype(np.float32)


def left_mask() -> np.ndarray:
    """A 0/255 mask of the frame's left half."""
    mask = np.zeros(FRAME_SHAPE, np.uint8)
    mask[:, :FRAME_SHAPE[1] // 2] = 255
    return mask


def write_frame_and_mask(frame_path: Path, mask_path: Path, k: int, black: bool) -> None:
    frame_path.parent.mkdir(parents=True, exist_ok=True)
    mask_path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(frame_path), np.full((*FRAME_SHAPE, 3), 40 * k, np.uint8))
    cv2.imwrite(str(mask_path), np.zeros(FRAME_SHAPE, np.uint8) if black else left_mask())


def write_ms3(root: Path, videos: Dict[str, str], black: Sequence[str] = ()) -> Path:
    """``Multi-sources/`` under ``root``: ms3_meta_data.csv listing ``videos``
    (name -> split) and, for each, ms3_data/visual_frames/<video>/<video>.mp4_<k>.png,
    ms3_data/gt_masks/<split>/<video>/<video>_<k>.png (left half, or all black for
    the frames named '<video>_<k>' in ``black``) and ms3_data/audio_wav/<split>/
    <video>.wav. Returns the Multi-sources folder."""
    base = root / 'Multi-sources'
    media = base / 'ms3_data'
    for video, split in videos.items():
        for k in range(1, 6):
            write_frame_and_mask(media / 'visual_frames' / video / f'{video}.mp4_{k}.png',
                                 media / 'gt_masks' / split / video / f'{video}_{k}.png',
                                 k, f'{video}_{k}' in black)
        (media / 'audio_wav' / split).mkdir(parents=True, exist_ok=True)
        write_wav(str(media / 'audio_wav' / split / f'{video}.wav'), stepped_audio(), RATE)
    rows = ['video_id,split'] + [f'{video},{split}' for video, split in videos.items()]
    (base / 'ms3_meta_data.csv').write_text('\n'.join(rows) + '\n')
    return base


def write_s4(root: Path, videos: Dict[str, tuple]) -> Path:
    """``Single-source/`` under ``root``: s4_meta_data.csv listing ``videos``
    (name -> (category, split)) and, for each, s4_data/visual_frames/<split>/
    <category>/<video>/<video>_<k>.png, the masks alike under gt_masks (frame 1 only
    for 'train', as distributed) and s4_data/audio_wav/<split>/<category>/<video>.wav.
    Returns the s4_data folder."""
    base = root / 'Single-source'
    media = base / 's4_data'
    rows = ['name,start,category,split']
    for video, (category, split) in videos.items():
        folder = Path(split) / category / video
        for k in (1, ) if split == 'train' else range(1, 6):
            write_frame_and_mask(media / 'visual_frames' / folder / f'{video}_{k}.png',
                                 media / 'gt_masks' / folder / f'{video}_{k}.png', k, False)
        (media / 'audio_wav' / split / category).mkdir(parents=True, exist_ok=True)
        write_wav(str(media / 'audio_wav' / split / category / f'{video}.wav'),
                  stepped_audio(), RATE)
        rows.append(f'{video},0,{category},{split}')
    (base / 's4_meta_data.csv').write_text('\n'.join(rows) + '\n')
    return media
