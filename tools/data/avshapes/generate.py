"""Generate the embedded AVShapes benchmark (also done automatically on first use).

    python tools/data/avshapes/generate.py data/avshapes --num-train 3000 --seed 0
"""
import argparse
from dataclasses import fields
from typing import Any, Dict

from avloc.datasets.synthesis import AVShapesSettings, generate_avshapes


def yes_no(text: str) -> bool:
    """``--v2-camera false``: argparse's ``type=bool`` would read any word as True."""
    if text.lower() in ('true', 'yes', '1'):
        return True
    if text.lower() in ('false', 'no', '0'):
        return False
    raise argparse.ArgumentTypeError(f'{text!r}: true or false')


def flag_options(value: Any) -> Dict[str, Any]:
    """argparse options of a flag whose default is ``value``: a tuple takes as many
    values as it holds (a tuple of names any number), of its items' type."""
    if isinstance(value, tuple):
        if isinstance(value[0], str):
            return dict(type=str, nargs='+')
        return dict(type=type(value[0]), nargs=len(value))
    return dict(type=yes_no if isinstance(value, bool) else type(value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('root', help='output folder (VGG-Sound layout)')
    parser.add_argument('--workers', type=int, default=2, help='encoding processes')
    defaults = AVShapesSettings()
    for field in fields(AVShapesSettings):
        value = getattr(defaults, field.name)
        parser.add_argument(f'--{field.name.replace("_", "-")}', default=value,
                            help=f'default: {value}', **flag_options(value))
    args = vars(parser.parse_args())
    root, workers = args.pop('root'), args.pop('workers')
    settings = AVShapesSettings(**{k: tuple(v) if isinstance(v, list) else v
                                   for k, v in args.items()})
    generate_avshapes(root, settings, num_workers=workers)
    print(f'AVShapes written to {root}')


if __name__ == '__main__':
    main()
