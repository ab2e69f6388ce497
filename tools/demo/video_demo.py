"""Overlay where the sound comes from on every frame of a video.

    python tools/demo/video_demo.py clip.mp4 \
        configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py epoch_1.pth --out clip_heat.mp4

Writes the video, upright as players show it, at its own resolution and frame rate
(or ``--fps``) as H.264 with the heatmap blended over each frame (or beside it,
``--side-by-side``) and the original audio re-encoded as AAC, and
``<out>.scores.json``: per second, how audible and visible the sound source is, the
mean over that second's frames of the heatmap's peak (the best cosine similarity of
a location with the audio, mapped to [0, 1]; about 0.5 means no location matches).
CHECKPOINT may be a released SSL-TIE ``.pth.tar``. H.264 in yuv420p needs even
sizes: an odd width or height is cut by one pixel. A video whose frames are larger
than ``--max-pixels`` is refused, from its header, before any is decoded.
"""
import argparse
import json
import os.path as osp

from mmengine.utils import ProgressBar

from avloc.apis import init_localizer
from avloc.apis.input_errors import exit_on_input_error
from avloc.apis.overlay_video import SCORE_MEANING, overlay_video
from avloc.fileio import MAX_PIXELS


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
    parser.add_argument('--max-pixels', type=int, default=MAX_PIXELS,
                        help='largest frame to decode, in pixels (default: 4096 x 4096, '
                             'twice 4K UHD); a larger video is refused from its header')
    return parser.parse_args()


def run(args: argparse.Namespace) -> dict:
    model = init_localizer(args.config, args.checkpoint, args.device)
    bar = None

    def on_frame(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or ProgressBar(total)
        bar.update()

    report = overlay_video(model, args.video, args.out, fps=args.fps,
                           side_by_side=args.side_by_side, batch_size=args.batch_size,
                           on_frame=on_frame, max_pixels=args.max_pixels)
    print(f"\n{report['frames']} frames in {report['seconds']:.1f}s "
          f"({report['frames_per_second']:.2f} frames/s), wrote {args.out}")
    for entry in report['per_second']:
        print(f"{entry['second']:4d}s  audible and visible: {entry['score']:.3f}")
    report = dict(video=args.video, config=args.config, checkpoint=args.checkpoint,
                  score=SCORE_MEANING, frames_per_second=report['frames_per_second'],
                  per_second=report['per_second'])
    json_path = osp.splitext(args.out)[0] + '.scores.json'
    with open(json_path, 'w') as f:
        json.dump(report, f, indent=1)
    print(f'wrote {json_path}')
    return report


def main() -> None:
    args = parse_args()
    with exit_on_input_error():
        run(args)


if __name__ == '__main__':
    main()
