"""The overlay options the image and video demos share: heatmap weight, colour
scale and colour bar (:func:`avloc.visualization.overlay_heatmap`)."""
import argparse

from avloc.visualization import SCALES


def add_overlay_arguments(parser: argparse.ArgumentParser, shown: str) -> None:
    """Add ``--alpha``, ``--scale`` and ``--no-colour-bar`` to ``parser``.

    Args:
        parser: The demo's parser.
        shown: What the overlay is drawn on, for the help: ``'image'``, ``'video'``.
    """
    parser.add_argument('--alpha', type=float, default=0.5,
                        help=f'heatmap weight, 0 (the {shown} alone) to 1 (default: 0.5)')
    parser.add_argument('--scale', choices=SCALES, default='fixed',
                        help="colour scale: 'fixed', cosine 0 to 1 for every map, or "
                             "'frame', each map's own range (default: fixed)")
    parser.add_argument('--no-colour-bar', action='store_true',
                        help=f'leave the colour bar out (the {shown} keeps its width)')
