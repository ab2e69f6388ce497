"""Turn a folder of downloaded videos into the extracted layout training reads:
``frames/<id>.jpg`` (one frame per clip) and ``audio/<id>.wav`` (mono 16-bit PCM).

Two frame layouts (``frame_layout``):

* ``'native'`` (the default): ``frames/<id>.jpg``, the frame at ``frame_time`` at
  the video's own size, as ``LoadFrame`` decodes it (JPEG quality 95).
* ``'ssltie'``: ``frames_ssltie/<id>.jpg``, the file the public SSL-TIE code trains
  on, as its ffmpeg extractor writes it (:class:`~.frame_extraction.FrameExtraction`;
  for VGG-Sound ``125.jpg`` of ``ffmpeg -i VIDEO -vf fps=25 -s 299x299``: the frame
  at 4.96 s squashed to 299x299, JPEG as ffmpeg encodes it). A clip that ends
  before that frame has none in the public pipeline either, and is reported corrupt.

Every video is validated by decoding it: a file that is missing, unreadable, has no
audio track, is too short, or is silent is recorded with its reason and the run goes
on. Outputs are written under temporary names and renamed, so an interrupted run
leaves only finished clips, and a re-run skips them (it resumes). At the end
``prepare_summary.json`` lists every missing and corrupt clip, and
``meta/available.txt`` every clip ready to use; for each split list given, the
summary says how many of its clips are available.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import time
from multiprocessing import Pool
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from tqdm import tqdm

from avloc.fileio import MediaError, write_wav
from .frame_extraction import SSLTIE_VGGSOUND, FrameExtraction, extract_frame
from .list_paths import check_list_path
from .transforms.loading import LoadAudio, LoadFrame
from .vggsound import read_id_list

SUMMARY = 'prepare_summary.json'
# The folder of each frame layout under the output root.
FRAME_DIRS = dict(native='frames', ssltie='frames_ssltie')


def clip_outputs(out_root: str, clip_id: str, frame_layout: str = 'native'
                 ) -> Tuple[str, str]:
    """(frame path, audio path) of a clip in the extracted layout."""
    return (osp.join(out_root, FRAME_DIRS[frame_layout], clip_id + '.jpg'),
            osp.join(out_root, 'audio', clip_id + '.wav'))


def extract_clip(video_path: str, frame_path: str, audio_path: str, frame_time: float,
                 sample_rate: int = 16000, min_audio: float = 1.0,
                 extraction: Optional[FrameExtraction] = None) -> None:
    """Decode one frame and the whole soundtrack at ``sample_rate`` from a video, and
    write them. The frame is the one at ``frame_time`` seconds at the video's size
    (JPEG quality 95), or with ``extraction`` the file that ffmpeg extraction
    writes, byte for byte as FFmpeg's command line encodes it.

    Raises:
        MediaError: the video cannot be used; the message names the file and why.
    """
    if extraction is None:
        frame = LoadFrame(frame_time=frame_time).transform(
            dict(video_path=video_path))['img']
        jpeg = None
    else:
        jpeg, _ = extract_frame(video_path, extraction)
    # The whole track; LoadAudio rejects one shorter than min_audio or silent.
    audio = LoadAudio(sample_rate=sample_rate, duration=None, min_duration=min_audio
                      ).transform(dict(audio_path=video_path))['audio']
    for path in (frame_path, audio_path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    tmp_frame, tmp_audio = frame_path + '.partial.jpg', audio_path + '.partial.wav'
    if jpeg is not None:
        with open(tmp_frame, 'wb') as f:
            f.write(jpeg)
    elif not cv2.imwrite(tmp_frame, np.ascontiguousarray(frame[..., ::-1]),
                         [cv2.IMWRITE_JPEG_QUALITY, 95]):
        raise OSError(f'{frame_path}: cannot write the frame')
    write_wav(tmp_audio, audio, sample_rate)
    os.replace(tmp_audio, audio_path)
    os.replace(tmp_frame, frame_path)  # last: a clip is done when its frame exists


def _prepare_one(job: tuple) -> Tuple[str, str, str]:
    """Worker: (clip id, status, reason); never raises, so one bad file cannot stop
    the run."""
    clip_id, video_path, out_root, frame_time, sample_rate, frame_layout, extraction = job
    frame_path, audio_path = clip_outputs(out_root, clip_id, frame_layout)
    if osp.isfile(frame_path) and osp.isfile(audio_path):
        return clip_id, 'skipped', 'already prepared'
    if not osp.isfile(video_path):
        return clip_id, 'missing', f'{video_path}: file not found'
    try:
        extract_clip(video_path, frame_path, audio_path, frame_time, sample_rate,
                     extraction=extraction if frame_layout == 'ssltie' else None)
    except MediaError as err:
        return clip_id, 'corrupt', str(err)
    except Exception as err:  # any decoder failure is this file's, not the run's
        return clip_id, 'corrupt', f'{video_path}: {type(err).__name__}: {err}'
    return clip_id, 'done', ''


def find_videos(video_dir: str, video_ext: str = '.mp4') -> List[str]:
    """Clip ids of every ``<id><video_ext>`` in a folder, sorted."""
    return sorted(name[:-len(video_ext)] for name in os.listdir(video_dir)
                  if name.endswith(video_ext) and '.partial' not in name)


def prepare_clips(video_dir: str, out_root: str, clip_ids: Optional[Iterable[str]] = None,
                  frame_time: float = 5.0, sample_rate: int = 16000,
                  video_ext: str = '.mp4', num_workers: int = 4,
                  split_lists: Sequence[str] = (), progress: bool = True,
                  frame_layout: str = 'native',
                  ssltie_frame: FrameExtraction = SSLTIE_VGGSOUND) -> dict:
    """Prepare every clip and write the summary and the list of available clips.

    Args:
        video_dir (str): Folder of ``<id><video_ext>`` files.
        out_root (str): Where ``frames/`` (or ``frames_ssltie/``), ``audio/``,
            ``meta/available.txt`` and ``prepare_summary.json`` go.
        clip_ids (Iterable[str], optional): Clips to prepare; a listed clip without
            a video is reported missing. Defaults to every video in ``video_dir``.
            An id that would leave ``video_dir`` or ``out_root`` (``..``, an
            absolute path, see :func:`~avloc.datasets.list_paths.check_list_path`)
            is an error, raised before anything is written.
        frame_time (float): Time of the frame in the 'native' layout, in seconds.
            Defaults to 5.0.
        sample_rate (int): Audio sample rate of the WAV files. Defaults to 16000.
        video_ext (str): Defaults to '.mp4'.
        num_workers (int): Decoding processes. Defaults to 4.
        split_lists (Sequence[str]): Split lists whose coverage the summary reports.
        progress (bool): Show a progress bar with ETA. Defaults to True.
        frame_layout (str): 'native' (``frames/``, the frame at ``frame_time``) or
            'ssltie' (``frames_ssltie/``, the file ``ssltie_frame`` names). Defaults
            to 'native'.
        ssltie_frame (FrameExtraction): The public SSL-TIE extractor's command and
            the file its training reads. Defaults to VGG-Sound's (``125.jpg`` of
            ``-vf fps=25 -s 299x299``).

    Returns:
        dict: The summary also written to ``prepare_summary.json``.
    """
    if frame_layout not in FRAME_DIRS:
        raise ValueError(f'frame_layout must be one of {sorted(FRAME_DIRS)}, got '
                         f'{frame_layout!r}')
    if clip_ids is not None:
        # Also checked where a list is read (naming its line); this guards callers
        # that pass ids of their own, since the outputs are written under the id.
        ids = list(dict.fromkeys(check_list_path(i, f'clip_ids[{n}]')
                                 for n, i in enumerate(clip_ids)))
    else:  # names in one folder: no separator, so they cannot leave out_root
        ids = find_videos(video_dir, video_ext)
    if not ids:
        raise ValueError(f'{video_dir}: no {video_ext} videos and no clip ids to prepare')
    jobs = [(i, osp.join(video_dir, i + video_ext), out_root, frame_time, sample_rate,
             frame_layout, ssltie_frame) for i in ids]
    start = time.time()
    bar = dict(total=len(jobs), desc=f'{video_dir} -> {out_root}', unit='clip',
               disable=not progress)
    if num_workers > 1:
        with Pool(num_workers) as pool:
            results = list(tqdm(pool.imap_unordered(_prepare_one, jobs, chunksize=8),
                                **bar))
    else:
        results = [_prepare_one(job) for job in tqdm(jobs, **bar)]
    if frame_layout == 'ssltie':
        frame = dict(layout='ssltie', folder=FRAME_DIRS['ssltie'],
                     command=ssltie_frame.command())
    else:
        frame = dict(layout='native', folder=FRAME_DIRS['native'], time=frame_time)
    return _summarise(results, out_root, split_lists, time.time() - start, frame)


def _summarise(results: List[Tuple[str, str, str]], out_root: str,
               split_lists: Sequence[str], seconds: float, frame: dict) -> dict:
    by_status: Dict[str, List[Tuple[str, str]]] = {}
    for clip_id, status, reason in sorted(results):
        by_status.setdefault(status, []).append((clip_id, reason))
    available = [c for s in ('done', 'skipped') for c, _ in by_status.get(s, [])]
    os.makedirs(osp.join(out_root, 'meta'), exist_ok=True)
    with open(osp.join(out_root, 'meta', 'available.txt'), 'w') as f:
        f.writelines(c + '\n' for c in sorted(available))
    ready = set(available)
    coverage = {}
    for path in split_lists:
        listed = read_id_list(path)
        coverage[osp.basename(path)] = dict(listed=len(listed),
                                            available=sum(i in ready for i in listed))
    summary = dict(
        seconds=round(seconds, 1),
        frame=frame,
        counts={s: len(by_status.get(s, []))
                for s in ('done', 'skipped', 'missing', 'corrupt')},
        lists=coverage,
        missing=[dict(clip_id=c, reason=r) for c, r in by_status.get('missing', [])],
        corrupt=[dict(clip_id=c, reason=r) for c, r in by_status.get('corrupt', [])])
    tmp = osp.join(out_root, SUMMARY + '.partial')
    with open(tmp, 'w') as f:
        json.dump(summary, f, indent=1)
    os.replace(tmp, osp.join(out_root, SUMMARY))
    return summary


def run_cli(description: str, out_root: str, frame_time: float, sample_rate: int,
            meta_dir: str, argv: Optional[Sequence[str]] = None,
            ssltie_frame: FrameExtraction = SSLTIE_VGGSOUND,
            ssltie_source: str = "convert_video2frames.py's 125.jpg") -> dict:
    """The command line of ``tools/data/<dataset>/prepare.py``: the dataset fixes
    the defaults, the user may override each.

    ``ssltie_frame`` is the public SSL-TIE extraction ``--frame-layout ssltie``
    reproduces, ``ssltie_source`` where its training reads it (for ``--help``).
    """
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f'--frame-layout ssltie reproduces: {ssltie_frame.command()}')
    parser.add_argument('video_dir', help='folder of downloaded <id>.mp4 videos')
    parser.add_argument('--out-root', default=out_root,
                        help=f'where frames/, audio/ and meta/ go (default: {out_root})')
    parser.add_argument('--list', help='prepare only the ids of this split list '
                        '(default: every video in video_dir)')
    parser.add_argument(
        '--frame-layout', choices=sorted(FRAME_DIRS), default='native',
        help="native (default): frames/<id>.jpg, the frame at --frame-time at the "
        "video's own size, as LoadFrame decodes it, which the other methods' configs "
        "read. ssltie: frames_ssltie/<id>.jpg, the frame the public SSL-TIE code "
        f'trains on ({ssltie_source}), as FFmpeg\'s command line makes it (its fps '
        'filter, bicubic scaler and JPEG encoder settings; see below). A clip too '
        'short to have it has none in the public pipeline either and is reported '
        'corrupt. The SSL-TIE paper configs train on this layout')
    parser.add_argument('--frame-time', type=float, default=frame_time,
                        help='time of the extracted frame in s, native layout only '
                        f'(default: {frame_time})')
    parser.add_argument('--sample-rate', type=int, default=sample_rate,
                        help=f'audio sample rate in Hz (default: {sample_rate})')
    parser.add_argument('--video-ext', default='.mp4')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1,
                        help='parallel decoding processes (default: all cores)')
    args = parser.parse_args(argv)
    # First, so that a list with an id leaving --out-root stops the run before
    # anything is written.
    clip_ids = read_id_list(args.list) if args.list else None
    lists = sorted(osp.join(meta_dir, n) for n in os.listdir(meta_dir)
                   if n.endswith(('.txt', '.csv')))
    # The configs read their split lists from <out_root>/meta: ship them there.
    os.makedirs(osp.join(args.out_root, 'meta'), exist_ok=True)
    for name in os.listdir(meta_dir):
        shutil.copy(osp.join(meta_dir, name), osp.join(args.out_root, 'meta', name))
    summary = prepare_clips(
        args.video_dir, args.out_root, clip_ids, frame_time=args.frame_time,
        sample_rate=args.sample_rate, video_ext=args.video_ext,
        num_workers=args.workers, split_lists=lists, frame_layout=args.frame_layout,
        ssltie_frame=ssltie_frame)
    counts = summary['counts']
    print(f'{counts["done"]} clips prepared, {counts["skipped"]} already done, '
          f'{counts["missing"]} missing, {counts["corrupt"]} corrupt in '
          f'{summary["seconds"]} s; details in {osp.join(args.out_root, SUMMARY)}')
    print(f'  frames in {osp.join(args.out_root, summary["frame"]["folder"])} '
          f'({summary["frame"]["layout"]} layout)')
    for name, cover in summary['lists'].items():
        print(f'  {name}: {cover["available"]} of {cover["listed"]} clips available')
    return summary
