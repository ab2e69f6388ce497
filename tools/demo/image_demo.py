"""Overlay where the sound comes from on one image.

    python tools/demo/image_demo.py frame.jpg sound.wav \
        configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py epoch_1.pth --out frame_heat.png

The audio (any file FFmpeg reads, or a video's audio track) is decoded at the
config's sample rate and its window taken as the test pipeline's LoadAudio takes it;
the image goes through the rest of the test pipeline. Prints the heatmap's peak (the
best cosine similarity of a location with the audio, mapped to [0, 1]). The image is
read as ``LoadFrame`` reads a frame (an image larger than ``--max-pixels`` is refused
from its header); a file that does not decode is one line naming it.
"""
import argparse

import cv2

from avloc.apis import InferencePipeline, init_localizer, localize
from avloc.apis.input_errors import exit_on_input_error
from avloc.fileio import MAX_PIXELS, read_image, read_window
from avloc.visualization.heatmap_overlay import overlay_heatmap


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image', help='image file')
    parser.add_argument('audio', help='audio file (wav, mp3, ... or a video)')
    parser.add_argument('config', help='config file (or a model-zoo name)')
    parser.add_argument('checkpoint', help='checkpoint file or URL')
    parser.add_argument('--out', required=True, help='output image (.png)')
    parser.add_argument('--device', default='cpu', help='torch device (default: cpu)')
    parser.add_argument('--max-pixels', type=int, default=MAX_PIXELS,
                        help='largest image to decode, in pixels (default: 4096 x 4096, '
                             'twice 4K UHD: a few hundred bytes can claim 12000x12000)')
    return parser.parse_args()


def run(args: argparse.Namespace) -> float:
    frame = read_image(args.image, args.max_pixels)
    model = init_localizer(args.config, args.checkpoint, args.device)
    pipeline = InferencePipeline(model.cfg)
    rate = pipeline.sample_rate
    audio = read_window(args.audio, rate, 0, None)
    heatmap = localize(model, frame, audio, rate, pipeline)
    if not cv2.imwrite(args.out, overlay_heatmap(frame, heatmap)[..., ::-1]):
        raise OSError(f'{args.out}: could not write the image')
    print(f'peak {heatmap.max():.3f}, wrote {args.out}')
    return float(heatmap.max())


def main() -> None:
    args = parse_args()
    with exit_on_input_error():
        run(args)


if __name__ == '__main__':
    main()
