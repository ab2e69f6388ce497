"""Convert a released SSL-TIE checkpoint into an avloc checkpoint.

    python tools/model_converters/ssltie_to_avloc.py ssltie_vggsound144k.pth.tar \\
        checkpoints/ssltie_r18_vggsound144k_converted.pth

The public code saves ``{'epoch', 'state_dict', 'best_miou', 'optimizer',
'iteration'}``; its ``state_dict`` holds the two ResNet-18s (``imgnet.*`` for frames,
``audnet.*`` for spectrograms) plus weights its forward pass never uses (the other
stems ``conv1_a`` / ``conv1`` / ``conv1_flow``, the ``fc`` layers, and the
``vision_fc1`` / ``conv3`` / ``norm3`` heads). Every key and shape is checked
against ``avloc/models/converters/ssltie_state_dict_keys.tsv`` before anything
is written. The output holds tensors only (``{'state_dict': ...}``), so it loads with
``torch.load(weights_only=True)`` and as ``load_from`` in any SSL-TIE config.
"""
import argparse
import sys

import torch

# The conversion lives in the package, shared with avloc.apis.init_localizer (which
# converts a released file in memory); these names are the tool's interface.
from avloc.models.converters import ConversionError
from avloc.models.converters.ssltie import KEY_TABLE, avloc_key
from avloc.models.converters.ssltie import convert_ssltie as convert
from avloc.models.converters.ssltie import expected_shapes, load_released

__all__ = ['KEY_TABLE', 'ConversionError', 'avloc_key', 'convert', 'expected_shapes',
           'load_released']


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='released SSL-TIE checkpoint (.pth.tar)')
    parser.add_argument('dst', help='avloc checkpoint to write (.pth)')
    args = parser.parse_args()
    try:
        checkpoint = load_released(args.src)
        converted = convert(checkpoint.get('state_dict', checkpoint), args.src)
    except (ConversionError, FileNotFoundError) as err:
        sys.exit(f'error: {err}')
    torch.save({'state_dict': converted}, args.dst)
    info = {k: checkpoint[k] for k in ('epoch', 'iteration', 'best_miou') if k in checkpoint}
    print(f'{args.src} {info}: kept {len(converted)} tensors (dropped the unused '
          f'stems, fc layers and heads), wrote {args.dst}')


if __name__ == '__main__':
    main()
