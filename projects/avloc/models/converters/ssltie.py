"""Released SSL-TIE checkpoints (Liu et al., ACM MM 2022,
https://github.com/jinxiang-liu/SSL-TIE) renamed to avloc's SSL-TIE model.

The public code saves ``{'epoch', 'state_dict', 'best_miou', 'optimizer',
'iteration'}``; its ``state_dict`` holds the two ResNet-18s (``imgnet.*`` for frames,
``audnet.*`` for spectrograms) plus weights its forward pass never uses (the other
stems ``conv1_a`` / ``conv1`` / ``conv1_flow``, the ``fc`` layers, and the
``vision_fc1`` / ``conv3`` / ``norm3`` heads). Every key and shape is checked
against ``ssltie_state_dict_keys.tsv`` (beside this module) before renaming.
Used by ``tools/model_converters/ssltie_to_avloc.py`` (writes a converted file) and
:func:`avloc.apis.init_localizer` (converts in memory).
"""
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Mapping, Tuple

import torch

from . import released
from .released import check_layout, strip_module

KEY_TABLE = osp.join(osp.dirname(osp.abspath(__file__)), 'ssltie_state_dict_keys.tsv')
# released prefix -> (avloc prefix, the stem this encoder really uses); the other
# parts keep their names, which are torchvision's in both codebases.
ENCODERS = {'imgnet': ('visual_encoder', 'conv1'), 'audnet': ('audio_encoder', 'conv1_a')}
TRUNK_PARTS = ('bn1', 'layer1', 'layer2', 'layer3', 'layer4')


def expected_shapes(path: str = KEY_TABLE) -> Dict[str, Tuple[int, ...]]:
    """The released layout: key -> shape, read from the .tsv."""
    shapes = {}
    with open(path) as f:
        next(f)  # header
        for line in f:
            key, shape = line.rstrip('\n').split('\t')
            shapes[key] = tuple(int(d) for d in re.findall(r'\d+', shape))
    return shapes


def is_ssltie_layout(state_dict: Mapping[str, torch.Tensor]) -> bool:
    """Whether a state dict looks released (``imgnet.*`` / ``audnet.*`` keys, with or
    without ``module.``): then :func:`convert_ssltie` applies, and says if it does
    not fit."""
    return any(k.split('.', 1)[0] in ENCODERS for k in strip_module(state_dict))


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


def convert_ssltie(state_dict: Mapping[str, torch.Tensor], source: str = 'checkpoint'
                   ) -> 'OrderedDict[str, torch.Tensor]':
    """Check a released ``state_dict`` against the key table and rename it.

    Args:
        state_dict: The released tensors (``module.`` prefixes allowed).
        source: What to call the checkpoint in error messages.

    Returns:
        OrderedDict: The 240 tensors avloc's SSL-TIE model uses, under its names
        (copies: the input is left as it is).

    Raises:
        ConversionError: on unknown, missing or mis-shaped keys.
    """
    state_dict = strip_module(state_dict)
    check_layout(state_dict, expected_shapes(), source, 'the released SSL-TIE layout')
    renamed = ((avloc_key(k), v) for k, v in state_dict.items())
    return OrderedDict((k, v.clone()) for k, v in renamed if k)


def load_released(path: str) -> dict:
    """The released file's checkpoint dict (its ``state_dict`` holds the tensors),
    read without running pickled code; see :func:`released.load_released`."""
    return released.load_released(path, 'state_dict')
