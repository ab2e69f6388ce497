"""Convert a released FNAC checkpoint into an avloc checkpoint.

    python tools/model_converters/fnac_to_avloc.py best.pth \\
        checkpoints/fnac_r18_vggsound144k_converted.pth

FNAC (Sun et al., CVPR 2023, https://arxiv.org/abs/2303.11302) saves, in its public
``train.py`` (github.com/OpenNLPLab/FNAC_AVL), ``{'model', 'optimizer', 'epoch',
'best_cIoU', 'best_Auc'}``; ``model`` is ``FNAC.state_dict()`` (``module.``-prefixed
when trained with DistributedDataParallel): the frame ResNet-18 ``imgnet.*``
(torchvision's, its ``fc`` and ``avgpool`` replaced by identities), the 1x1
convolution ``img_proj.*``, the spectrogram ResNet-18 ``audnet.*`` (1-channel stem)
and the linear ``aud_proj.*``. Every key and shape is checked against that layout,
derived from torchvision's ResNet-18, before anything is written. The output holds
tensors only (``{'state_dict': ...}``), so it loads with
``torch.load(weights_only=True)`` and as ``load_from`` in any FNAC config. The
object-guided localisation backbone is not in the file (the public test.py takes
torchvision's ImageNet weights); a config with an ``object_encoder`` loads it from
its ``init_cfg``.
"""
import argparse
import sys
from collections import OrderedDict
from typing import Dict, Mapping, Tuple

import torch

from avloc.models.converters import (ConversionError, check_layout, resnet18_trunk_shapes,
                                     strip_module)
from avloc.models.converters.released import load_released as _load_released

#: released prefix -> avloc prefix. The encoders keep torchvision's names in both.
PREFIXES = OrderedDict([('imgnet.', 'visual_encoder.'), ('img_proj.', 'visual_proj.'),
                        ('audnet.', 'audio_encoder.'), ('aud_proj.', 'audio_proj.')])


def expected_shapes(dim: int = 512) -> Dict[str, Tuple[int, ...]]:
    """The released layout of ``FNAC(tau, dim, ...)``: key -> shape."""
    trunk = resnet18_trunk_shapes()
    shapes = {f'imgnet.{k}': s for k, s in trunk.items()}
    shapes.update({'img_proj.weight': (dim, 512, 1, 1), 'img_proj.bias': (dim,)})
    shapes.update({f'audnet.{k}': s for k, s in trunk.items()})
    shapes['audnet.conv1.weight'] = (64, 1, 7, 7)  # the spectrogram stem
    shapes.update({'aud_proj.weight': (dim, 512), 'aud_proj.bias': (dim,)})
    return shapes


def avloc_key(key: str) -> str:
    """The avloc name of a released key."""
    for released, ours in PREFIXES.items():
        if key.startswith(released):
            return ours + key[len(released):]
    raise ConversionError(f'{key}: not an FNAC key')


def convert(state_dict: Mapping[str, torch.Tensor], source: str = 'checkpoint'
            ) -> 'OrderedDict[str, torch.Tensor]':
    """Check a released ``model`` state dict against the layout and rename it.

    Args:
        state_dict: The released tensors (``module.`` prefixes allowed).
        source: What to call the checkpoint in error messages.

    Returns:
        OrderedDict: The 244 tensors of avloc's FNAC model (without an object
        encoder), under its names (copies: the input is left as it is).

    Raises:
        ConversionError: on unknown, missing or mis-shaped keys.
    """
    state_dict = strip_module(state_dict)
    expected = expected_shapes()
    check_layout(state_dict, expected, source, 'the released FNAC layout')
    return OrderedDict((avloc_key(k), state_dict[k].clone()) for k in expected)


def load_released(path: str) -> dict:
    """The released file's checkpoint dict (its ``model`` holds the tensors; its
    ``best_cIoU`` / ``best_Auc`` are numpy scalars, allowed), read without running
    pickled code.

    Raises:
        ConversionError: unreadable, a pickle that asks for code, or no ``model``
            dict of tensors.
        FileNotFoundError: no such file.
    """
    return _load_released(path, 'model')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='released FNAC checkpoint (best.pth / latest.pth)')
    parser.add_argument('dst', help='avloc checkpoint to write (.pth)')
    args = parser.parse_args()
    try:
        checkpoint = load_released(args.src)
        converted = convert(checkpoint.get('model', checkpoint), args.src)
    except (ConversionError, FileNotFoundError) as err:
        sys.exit(f'error: {err}')
    torch.save({'state_dict': converted}, args.dst)
    info = {k: float(checkpoint[k]) if k.startswith('best') else checkpoint[k]
            for k in ('epoch', 'best_cIoU', 'best_Auc') if k in checkpoint}
    print(f'{args.src} {info}: kept {len(converted)} tensors, wrote {args.dst}')


if __name__ == '__main__':
    main()
