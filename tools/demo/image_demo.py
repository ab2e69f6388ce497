r"""Overlay where the sound comes from on one image.

    python tools/demo/image_demo.py frame.jpg sound.wav \
        configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py epoch_1.pth --out frame_heat.png

The audio (any file FFmpeg reads, or a video's audio track) is decoded at the
config's sample rate and its window taken as the test pipeline's LoadAudio takes it;
the image goes through the rest of the test pipeline (``LocalizerInferencer``). The
overlay has a colour bar: colours are on one fixed scale, cosine similarity 0
(blue) to 1 (red), unless ``--scale frame``. Prints which checkpoint runs and what
it was trained on, and the heatmap's peak (the best cosine similarity of a location
with the audio, mapped to [0, 1]: not a test of whether the sound's source is in
view). The image is read as ``LoadFrame`` reads a frame (an image larger than
``--max-pixels`` is refused from its header); a file that does not decode is one
line naming it.
"""
import argparse

import cv2

from avloc.apis import LocalizerInferencer
from avloc.apis.input_errors import exit_on_input_error
from avloc.fileio import MAX_PIXELS
from avloc.tools.demo_args import add_model_arguments, add_overlay_arguments


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image', help='image file')
    parser.add_argument('audio', help='audio file (wav, mp3, ... or a video)')
    add_model_arguments(parser)
    parser.add_argument('--out', required=True, help='output image (.png)')
    add_overlay_arguments(parser, 'image')
    parser.add_argument('--max-pixels', type=int, default=MAX_PIXELS,
                        help='largest image to decode, in pixels (default: 4096 x 4096, '
                             'twice 4K UHD: a few hundred bytes can claim 12000x12000)')
    return parser.parse_args()


def run(args: argparse.Namespace) -> float:
    inferencer = LocalizerInferencer(args.config, args.checkpoint, args.device,
                                     random_weights=args.random_weights,
                                     max_pixels=args.max_pixels)
    print(f'model: {inferencer.model_description}')
    result = inferencer(dict(image=args.image, audio=args.audio), return_vis=True,
                        alpha=args.alpha, scale=args.scale,
                        colour_bar=not args.no_colour_bar)
    if not cv2.imwrite(args.out, result['visualization'][0][..., ::-1]):
        raise OSError(f'{args.out}: could not write the image')
    peak = result['predictions'][0]['peak']
    print(f'peak {peak:.3f}, wrote {args.out}')
    return peak


def main() -> None:
    args = parse_args()
    with exit_on_input_error():
        run(args)


if __name__ == '__main__':
    main()
