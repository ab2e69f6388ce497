"""Convert a released SLAVC checkpoint into an avloc checkpoint.

    python tools/model_converters/slavc_to_avloc.py latest.pth \\
        checkpoints/slavc_r18_vggsound144k_converted.pth \\
        --object-encoder resnet18-f37072fd.pth

SLAVC (Mo & Morgado, NeurIPS 2022, https://arxiv.org/abs/2209.09634) saves, in its
public ``train.py`` (github.com/stoneMo/SLAVC), ``{'model', 'optimizer', 'epoch',
'best_Precision', 'best_AP', 'best_F1'}``; ``model`` is ``SLAVC.state_dict()``
(``module.``-prefixed when trained with DistributedDataParallel): the frame ResNet-18
``imgnet.*`` (torchvision's, ``fc`` and ``avgpool`` replaced by identities), the 1x1
convolutions ``img_proj1.*`` / ``img_proj2.*``, the spectrogram ResNet-18 ``audnet.*``
(1-channel stem), the linear ``aud_proj1.*`` / ``aud_proj2.*``, and the momentum
copy of each under ``momentum_<name>.*``. Every key and shape is checked against that
layout, derived from torchvision's ResNet-18, before anything is written; the
momentum copies are kept (avloc's SLAVC holds them in ``momentum.*``, and
``use_mom_eval`` evaluates with them).

The object-guided localisation backbone is not in the file: the public test.py takes
torchvision's ImageNet ResNet-18. ``--object-encoder`` adds a torchvision ResNet-18
state dict (e.g. torchvision's ``resnet18-f37072fd.pth``, downloaded by hand) as
``object_encoder.*``, so that the output loads strictly into a config with object-
guided localisation (``configs/slavc/``); without it, the output loads strictly
into a config without an ``object_encoder``. The output holds tensors only
(``{'state_dict': ...}``), so it loads with ``torch.load(weights_only=True)``. Both
inputs are read with avloc's restricted unpickler: nothing in them runs.
"""
import argparse
import sys
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple

import torch

from avloc.models.converters import (ConversionError, check_layout, resnet18_trunk_shapes,
                                     strip_module)
from avloc.models.converters.released import load_released as _load_released

#: released prefix -> avloc prefix, online modules; each has a ``momentum_`` twin
#: that becomes ``momentum.<avloc prefix>``. The encoders keep torchvision's names.
PREFIXES = OrderedDict([('imgnet.', 'visual_encoder.'),
                        ('img_proj1.', 'visual_proj.proj1.'),
                        ('img_proj2.', 'visual_proj.proj2.'),
                        ('audnet.', 'audio_encoder.'),
                        ('aud_proj1.', 'audio_proj.proj1.'),
                        ('aud_proj2.', 'audio_proj.proj2.')])


def expected_shapes(dim: int = 512) -> Dict[str, Tuple[int, ...]]:
    """The released layout of ``SLAVC(tau, dim, ...)``: key -> shape."""
    trunk = resnet18_trunk_shapes()
    online = {f'imgnet.{k}': s for k, s in trunk.items()}
    for name in ('img_proj1', 'img_proj2'):
        online.update({f'{name}.weight': (dim, 512, 1, 1), f'{name}.bias': (dim,)})
    online.update({f'audnet.{k}': s for k, s in trunk.items()})
    online['audnet.conv1.weight'] = (64, 1, 7, 7)  # the spectrogram stem
    for name in ('aud_proj1', 'aud_proj2'):
        online.update({f'{name}.weight': (dim, 512), f'{name}.bias': (dim,)})
    shapes = dict(online)
    shapes.update({f'momentum_{k}': s for k, s in online.items()})
    return shapes


def avloc_key(key: str) -> str:
    """The avloc name of a released key."""
    momentum = key.startswith('momentum_')
    bare = key[len('momentum_'):] if momentum else key
    for released, ours in PREFIXES.items():
        if bare.startswith(released):
            return ('momentum.' if momentum else '') + ours + bare[len(released):]
    raise ConversionError(f'{key}: not a SLAVC key')


def convert(state_dict: Mapping[str, torch.Tensor], source: str = 'checkpoint',
            object_encoder: Optional[Mapping[str, torch.Tensor]] = None
            ) -> 'OrderedDict[str, torch.Tensor]':
    """Check a released ``model`` state dict against the layout and rename it.

    Args:
        state_dict: The released tensors (``module.`` prefixes allowed); the
            projections' size D is read from ``img_proj1.weight`` (512 released).
        source: What to call the checkpoint in error messages.
        object_encoder: A torchvision ResNet-18 state dict (its ``fc.*`` ignored)
            to add as ``object_encoder.*``. Defaults to None.

    Returns:
        OrderedDict: The tensors of avloc's SLAVC model under its names (496 for
        the online and momentum networks, 120 more with the object encoder),
        copies: the input is left as it is.

    Raises:
        ConversionError: on unknown, missing or mis-shaped keys.
    """
    state_dict = strip_module(state_dict)
    proj = state_dict.get('img_proj1.weight')
    expected = expected_shapes(proj.shape[0] if proj is not None and proj.ndim else 512)
    check_layout(state_dict, expected, source, 'the released SLAVC layout')
    converted = OrderedDict((avloc_key(k), state_dict[k].clone()) for k in expected)
    if object_encoder is not None:
        trunk = {k: v for k, v in object_encoder.items() if not k.startswith('fc.')}
        trunk_shapes = resnet18_trunk_shapes()
        check_layout(trunk, trunk_shapes, 'object encoder', "torchvision's ResNet-18")
        converted.update((f'object_encoder.{k}', trunk[k].clone()) for k in trunk_shapes)
    return converted


def load_released(path: str, key: Optional[str] = 'model') -> dict:
    """The released file's checkpoint dict, read without running pickled code (its
    ``best_*`` scores are numpy scalars, allowed for this read).

    Args:
        path: The file.
        key: Where its state dict is (``'model'`` in a SLAVC checkpoint); the
            whole dict when absent (a bare state dict, as torchvision's files).

    Raises:
        ConversionError: unreadable, a pickle that asks for code, or no state
            dict of tensors.
        FileNotFoundError: no such file.
    """
    return _load_released(path, key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='released SLAVC checkpoint (latest.pth / best.pth)')
    parser.add_argument('dst', help='avloc checkpoint to write (.pth)')
    parser.add_argument('--object-encoder', metavar='PTH',
                        help="torchvision ResNet-18 ImageNet weights, the public test.py's "
                             'object-guided localisation backbone (e.g. '
                             'resnet18-f37072fd.pth); needed to load the output strictly '
                             'into the configs/slavc configs, which use it')
    args = parser.parse_args()
    try:
        checkpoint = load_released(args.src)
        objects = None
        if args.object_encoder:
            objects = load_released(args.object_encoder, key=None)
        converted = convert(checkpoint.get('model', checkpoint), args.src, objects)
    except (ConversionError, FileNotFoundError) as err:
        sys.exit(f'error: {err}')
    torch.save({'state_dict': converted}, args.dst)
    info = {k: float(checkpoint[k]) if k.startswith('best') else checkpoint[k]
            for k in ('epoch', 'best_Precision', 'best_AP', 'best_F1') if k in checkpoint}
    print(f'{args.src} {info}: kept {len(converted)} tensors, wrote {args.dst}')


if __name__ == '__main__':
    main()
