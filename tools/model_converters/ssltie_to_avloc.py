"""Convert a released SSL-TIE checkpoint into an avloc checkpoint.

    python tools/model_converters/ssltie_to_avloc.py ssltie_vggsound144k.pth.tar \
        checkpoints/ssltie_r18_vggsound144k_converted.pth

The public code saves ``{'epoch', 'state_dict', 'best_miou', 'optimizer',
'iteration'}``; its ``state_dict`` holds the two ResNet-18s (``imgnet.*`` for frames,
``audnet.*`` for spectrograms) plus weights its forward pass never uses (the other
stems ``conv1_a`` / ``conv1`` / ``conv1_flow``, the ``fc`` layers, and the
``vision_fc1`` / ``conv3`` / ``norm3`` heads). Every key and shape is checked
against ``ssltie_state_dict_keys.tsv`` (beside this script) before anything is
written. The output holds tensors only (``{'state_dict': ...}``), so it loads with
``torch.load(weights_only=True)`` and as ``load_from`` in any SSL-TIE config.
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, Tuple

import torch

from avloc.utils import load_checkpoint_file

KEY_TABLE = osp.join(osp.dirname(osp.abspath(__file__)), 'ssltie_state_dict_keys.tsv')
# released prefix -> (avloc prefix, the stem this encoder really uses); the other
# parts keep their names, which are torchvision's in both codebases.
ENCODERS = {'imgnet': ('visual_encoder', 'conv1'), 'audnet': ('audio_encoder', 'conv1_a')}
TRUNK_PARTS = ('bn1', 'layer1', 'layer2', 'layer3', 'layer4')


class ConversionError(ValueError):
    """The checkpoint is not a released SSL-TIE checkpoint; the message says why."""


def expected_shapes(path: str = KEY_TABLE) -> Dict[str, Tuple[int, ...]]:
    """The released layout: key -> shape, read from the .tsv."""
    shapes = {}
    with open(path) as f:
        next(f)  # header
        for line in f:
            key, shape = line.rstrip('\n').split('\t')
            shapes[key] = tuple(int(d) for d in re.findall(r'\d+', shape))
    return shapes


def avloc_key(key: str) -> str:
    """The avloc name of a released key, or '' for weights SSL-TIE never uses."""
    encoder, part, rest = (key.split('.', 2) + ['', ''])[:3]
    if encoder not in ENCODERS:
        return ''  # vision_fc1, conv3, norm3: unused heads
    prefix, stem = ENCODERS[encoder]
    if part == stem:
        return f'{prefix}.conv1.{rest}'
    if part in TRUNK_PARTS:
        return f'{prefix}.{part}.{rest}'
    return ''  # the other stems and fc


def convert(state_dict: Dict[str, torch.Tensor], source: str = 'checkpoint'
            ) -> 'OrderedDict[str, torch.Tensor]':
    """Check a released ``state_dict`` against the key table and rename it.

    Raises:
        ConversionError: on unknown, missing or mis-shaped keys.
    """
    state_dict = {k[len('module.'):] if k.startswith('module.') else k: v
                  for k, v in state_dict.items()}  # saved from DataParallel
    expected = expected_shapes()
    unknown = sorted(set(state_dict) - set(expected))
    missing = sorted(set(expected) - set(state_dict))
    if unknown or missing:
        raise ConversionError(
            f'{source}: not the released SSL-TIE layout: {len(unknown)} unknown keys '
            f'{unknown[:5]}, {len(missing)} missing keys {missing[:5]}')
    for key, shape in expected.items():
        if tuple(state_dict[key].shape) != shape:
            raise ConversionError(f'{source}: {key} has shape '
                                  f'{tuple(state_dict[key].shape)}, expected {shape}')
    renamed = ((avloc_key(k), v) for k, v in state_dict.items())
    return OrderedDict((k, v.clone()) for k, v in renamed if k)


def load_released(path: str) -> dict:
    """The released file's checkpoint dict, read without running pickled code."""
    try:
        checkpoint = load_checkpoint_file(path, allow_numpy_scalars=True)  # best_miou
    except ValueError as err:  # unreadable, or a pickle that asks for code
        raise ConversionError(str(err)) from err
    if not isinstance(checkpoint, dict):
        raise ConversionError(f'{path}: holds a {type(checkpoint).__name__}, not a dict')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ConversionError(f'{path}: has no state_dict of tensors')
    return checkpoint


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
