"""Generate the embedded AVShapes benchmark (also done automatically on first use).

    python tools/data/avshapes/generate.py data/avshapes --num-train 3000 --seed 0
"""
import argparse
from dataclasses import fields

from avloc.datasets.synthesis import AVShapesSettings, generate_avshapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('root', help='output folder (VGG-Sound layout)')
    parser.add_argument('--workers', type=int, default=2, help='encoding processes')
    defaults = AVShapesSettings()
    for field in fields(AVShapesSettings):
        value = getattr(defaults, field.name)
        if isinstance(value, tuple):
            parser.add_argument(f'--{field.name.replace("_", "-")}', type=float, nargs=2,
                                default=value, help=f'default: {value}')
        else:
            parser.add_argument(f'--{field.name.replace("_", "-")}', type=type(value),
                                default=value, help=f'default: {value}')
    args = vars(parser.parse_args())
    root, workers = args.pop('root'), args.pop('workers')
    settings = AVShapesSettings(**{k: tuple(v) if isinstance(v, list) else v
                                   for k, v in args.items()})
    generate_avshapes(root, settings, num_workers=workers)
    print(f'AVShapes written to {root}')


if __name__ == '__main__':
    main()
