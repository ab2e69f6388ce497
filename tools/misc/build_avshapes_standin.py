"""Build (or reuse) the AVShapes stand-in for ImageNet ResNet-18 weights.

A ResNet-18 trained to name the object classes in each AVShapes training-split
frame, for the configs whose paper starts from ImageNet weights (EZ-VSL, SLAVC,
FNAC and their object-guided localisation); see docs/avshapes_standin.md.

    python tools/misc/build_avshapes_standin.py                 # data/avshapes
    python tools/misc/build_avshapes_standin.py --data-root data/avshapes2_small
    python tools/misc/build_avshapes_standin.py --check         # is the cache current?

A second run reuses the cache unless the recipe (the flags below, the code's version
or the dataset) differs, and then says what differs and rebuilds.
"""
import argparse
import json
import sys
from dataclasses import asdict, fields

from avloc.models.pretrained import StandinRecipe, ensure_avshapes_standin, standin_path
from avloc.models.pretrained.avshapes_standin import full_recipe, record_path, stale_reason

#: Why each default was chosen (measured on a 2-core CPU, docs/avshapes_standin.md).
WHY = dict(
    clips='training-split clips to train on (0: all). 2000 of data/avshapes\'s 4000 '
          'reach a held-out mAP within 0.01 of 1 at about a third of the full set\'s cost',
    epochs='passes over the clips; 4 is where the held-out mAP stopped improving at 2000 '
           'clips, about 250 steps (2 min of the build on 2 cores)',
    heldout_fraction='share of train.txt kept out and scored, never val/test',
    batch_size='frames per step; 32 as the AVShapes configs train',
    lr='Adam, cosine decay to 0; 1e-3 trained the from-scratch network fastest in '
       'a short run',
    weight_decay='Adam weight decay',
    seed='initialisation, order, flips and the held-out draw',
    frame_size='square frame side; 96, the network input of every AVShapes config',
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/avshapes',
                        help='the AVShapes dataset (default: data/avshapes, the main '
                             'job\'s and configs/_base_/datasets/avshapes.py\'s)')
    parser.add_argument('--no-generate', action='store_true',
                        help='refuse a data root without a finished dataset instead of '
                             'generating it with the default settings (the configs\')')
    parser.add_argument('--check', action='store_true',
                        help='build nothing: exit 0 if the cache is current, 1 (with '
                             'the reason) if not')
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    defaults = StandinRecipe()
    for field in fields(StandinRecipe):
        value = getattr(defaults, field.name)
        parser.add_argument(f'--{field.name.replace("_", "-")}', type=type(value),
                            default=value, help=f'{WHY[field.name]} (default: {value})')
    args = parser.parse_args(argv)
    recipe = StandinRecipe(**{f.name: getattr(args, f.name) for f in fields(StandinRecipe)})

    if args.check:
        weights = standin_path(args.data_root)
        try:
            reason = stale_reason(weights, full_recipe(args.data_root, recipe))
        except FileNotFoundError as err:  # no dataset to fingerprint
            reason = str(err)
        print(f'{weights}: ' + ('current' if reason is None else f'not current: {reason}'))
        return 0 if reason is None else 1

    print(f'recipe: {json.dumps(asdict(recipe))}')
    weights = ensure_avshapes_standin(args.data_root, recipe,
                                      generator=None if args.no_generate else {},
                                      progress=not args.quiet)
    with open(record_path(weights)) as f:
        record = json.load(f)
    print(f'{weights}\n  scores: {json.dumps(record["scores"])}\n  seconds: '
          f'{json.dumps(record["seconds"])} (made {record["made"]["date"]})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
