"""The command-line arguments the demos share: the model (config, checkpoint, random
weights, device) and, for the image and video demos, the overlay (heatmap weight,
colour scale, colour bar: :func:`avloc.visualization.overlay_heatmap`)."""
import argparse

from avloc.visualization import SCALES


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``config``, ``checkpoint`` (optional), ``--random-weights`` and
    ``--device``: what :func:`avloc.apis.init_localizer` takes."""
    parser.add_argument('config', help='config file (or a model-zoo name)')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file or URL (may be left '
                        'out for a zoo name with weights, or with --random-weights)')
    parser.add_argument('--random-weights', action='store_true',
                        help='accept weights no checkpoint set (an untrained model, or '
                        'the rest of one that does not fit): its heatmaps mean nothing')
    parser.add_argument('--device', default='cpu', help='torch device (default: cpu)')


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
