r"""Overlay where the sound comes from on every frame of a video.

    python tools/demo/video_demo.py clip.mp4 \
        configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py epoch_1.pth --out clip_heat.mp4

Writes the video, upright as players show it, at its own resolution and frame rate
(or ``--fps``) as H.264, with the heatmap blended over each frame (or beside it,
``--side-by-side``) and a colour bar, and the input's audio track as it was (an AAC
or MP3 track copied; another codec re-encoded as AAC with its channels and rate).
Colours are on one fixed scale, cosine similarity 0 (blue) to 1 (red), so a flat
map looks flat; ``--scale frame`` stretches each frame's map instead. The terminal
says which checkpoint runs and what it was trained on. CHECKPOINT may be a
released SSL-TIE ``.pth.tar``. H.264 in yuv420p needs even sizes: an odd width or
height is cut by one pixel. A video whose frames are larger than ``--max-pixels``
is refused, from its header, before any is decoded.
"""
import argparse

from avloc.apis import init_localizer
from avloc.apis.input_errors import exit_on_input_error
from avloc.apis.overlay_video import overlay_video
from avloc.apis.progress import frame_progress
from avloc.fileio import MAX_PIXELS
from avloc.tools.demo_args import add_model_arguments, add_overlay_arguments


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('video', help='input video with an audio stream')
    add_model_arguments(parser)
    parser.add_argument('--out', required=True, help='output video (.mp4)')
    parser.add_argument('--side-by-side', action='store_true',
                        help='the frame and its overlay next to each other (twice as wide)')
    parser.add_argument('--fps', type=float, default=None,
                        help='output frame rate; frames are dropped to reach it (default: '
                             "the input's, every frame)")
    add_overlay_arguments(parser, 'video')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='frames per model call (default 8: larger gains little on a CPU)')
    parser.add_argument('--max-pixels', type=int, default=MAX_PIXELS,
                        help='largest frame to decode, in pixels (default: 4096 x 4096, '
                             'twice 4K UHD); a larger video is refused from its header')
    return parser.parse_args()


def run(args: argparse.Namespace) -> dict:
    model = init_localizer(args.config, args.checkpoint, args.device,
                           random_weights=args.random_weights)
    print(f'model: {model.provenance.describe()}')
    report = overlay_video(model, args.video, args.out, fps=args.fps,
                           side_by_side=args.side_by_side, batch_size=args.batch_size,
                           on_frame=frame_progress(), max_pixels=args.max_pixels,
                           alpha=args.alpha, scale=args.scale,
                           colour_bar=not args.no_colour_bar)
    print(f"\n{report['frames']} frames in {report['seconds']:.1f}s "
          f"({report['frames_per_second']:.2f} frames/s), wrote {args.out}")
    return report


def main() -> None:
    args = parse_args()
    with exit_on_input_error():
        run(args)


if __name__ == '__main__':
    main()
