"""Overlay where the sound comes from on every frame of a video.

    python tools/demo/video_demo.py clip.mp4 \
        configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py epoch_1.pth --out clip_heat.mp4

Writes the video at its own resolution and frame rate (or ``--fps``) as H.264 with
the heatmap blended over each frame (or beside it, ``--side-by-side``) and the
original audio re-encoded as AAC, and ``<out>.scores.json``: per second, how
audible and visible the sound source is, the mean over that second's frames of the
heatmap's peak (the best cosine similarity of a location with the audio, mapped to
[0, 1]; about 0.5 means no location matches). CHECKPOINT may be a released SSL-TIE
``.pth.tar``. H.264 in yuv420p needs even sizes: an odd width or height is cut by
one pixel.
"""
import argparse
import json
import os.path as osp
import sys
import time
from collections import defaultdict
from fractions import Fraction

import numpy as np
from mmengine.utils import ProgressBar

from avloc.apis import init_localizer, localize_video, video_info
from avloc.visualization.heatmap_overlay import overlay_heatmap


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('video', help='input video with an audio stream')
    parser.add_argument('config', help='config file (or a model-zoo name)')
    parser.add_argument('checkpoint', help='checkpoint file or URL')
    parser.add_argument('--out', required=True, help='output video (.mp4)')
    parser.add_argument('--side-by-side', action='store_true',
                        help='the frame and its overlay next to each other (twice as wide)')
    parser.add_argument('--fps', type=float, default=None,
                        help='output frame rate; frames are dropped to reach it (default: '
                             "the input's, every frame)")
    parser.add_argument('--device', default='cpu', help='torch device (default: cpu)')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='frames per model call (default 8: larger gains little on a CPU)')
    return parser.parse_args()


def _open_output(path: str, rate: Fraction, width: int, height: int,
                 audio_rate: int):
    import av
    out = av.open(path, mode='w')
    video = out.add_stream('libx264', rate=rate)
    video.width, video.height, video.pix_fmt = width, height, 'yuv420p'
    video.options = {'crf': '20', 'preset': 'veryfast'}
    sound = out.add_stream('aac', rate=audio_rate) if audio_rate else None
    return out, video, sound


def _mux_audio(src: str, out, sound) -> None:
    """Re-encode the input's first audio track into ``sound`` (AAC)."""
    import av
    with av.open(src) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format='fltp', layout=sound.layout.name,
                                      rate=sound.rate)
        for frame in container.decode(stream):
            frame.pts = None  # the encoder numbers the resampled samples itself
            for converted in resampler.resample(frame):
                out.mux(sound.encode(converted))
        for converted in resampler.resample(None):
            out.mux(sound.encode(converted))
        out.mux(sound.encode(None))


def run(args: argparse.Namespace) -> dict:
    import av
    info = video_info(args.video)
    model = init_localizer(args.config, args.checkpoint, args.device)
    frames = localize_video(model, args.video, fps=args.fps, batch_size=args.batch_size)
    with av.open(args.video) as container:
        audio_rate = container.streams.audio[0].codec_context.sample_rate
    rate = Fraction(args.fps).limit_denominator(1001) if args.fps else info['fps']
    width, height = info['width'] // 2 * 2, info['height'] // 2 * 2
    out_width = width * 2 if args.side_by_side else width
    total = (int(np.ceil(info['duration'] * args.fps)) if args.fps else info['num_frames'])
    peaks = defaultdict(list)
    out, video, sound = _open_output(args.out, rate, out_width, height, audio_rate)
    start, count = time.perf_counter(), 0
    with out:
        bar = ProgressBar(max(total, 1))
        for index, (t, frame, heatmap) in enumerate(frames):
            frame, heatmap = frame[:height, :width], heatmap[:height, :width]
            peaks[int(t)].append(float(heatmap.max()))
            shown = overlay_heatmap(frame, heatmap)
            if args.side_by_side:
                shown = np.concatenate([frame, shown], axis=1)
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(shown), format='rgb24')
            picture.pts = index
            out.mux(video.encode(picture))
            count += 1
            bar.update()
        out.mux(video.encode(None))
        _mux_audio(args.video, out, sound)
    seconds = time.perf_counter() - start
    print(f'\n{count} frames in {seconds:.1f}s ({count / seconds:.2f} frames/s), '
          f'wrote {args.out}')
    scores = [dict(second=s, score=round(float(np.mean(v)), 4), frames=len(v))
              for s, v in sorted(peaks.items())]
    for entry in scores:
        print(f"{entry['second']:4d}s  audible and visible: {entry['score']:.3f}")
    report = dict(video=args.video, config=args.config, checkpoint=args.checkpoint,
                  score='mean over the second of the heatmap peak: the best cosine '
                        'similarity of a location with the audio, (x + 1) / 2',
                  frames_per_second=round(count / seconds, 2), per_second=scores)
    json_path = osp.splitext(args.out)[0] + '.scores.json'
    with open(json_path, 'w') as f:
        json.dump(report, f, indent=1)
    print(f'wrote {json_path}')
    return report


def main() -> None:
    args = parse_args()
    try:
        run(args)
    except (ValueError, FileNotFoundError, OSError) as err:  # MediaError, mismatches
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()
