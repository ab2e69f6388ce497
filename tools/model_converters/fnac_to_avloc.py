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
from torchvision.models import resnet18

from avloc.utils import load_checkpoint_file

#: released prefix -> avloc prefix. The encoders keep torchvision's names in both.
PREFIXES = OrderedDict([('imgnet.', 'visual_encoder.'), ('img_proj.', 'visual_proj.'),
                        ('audnet.', 'audio_encoder.'), ('aud_proj.', 'audio_proj.')])


class ConversionError(ValueError):
    """The checkpoint is not a released FNAC checkpoint; the message says why."""


def expected_shapes(dim: int = 512) -> Dict[str, Tuple[int, ...]]:
    """The released layout of ``FNAC(tau, dim, ...)``: key -> shape."""
    trunk = {k: tuple(v.shape) for k, v in resnet18(weights=None).state_dict().items()
             if not k.startswith('fc.')}
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
    state_dict = {k[len('module.'):] if k.startswith('module.') else k: v
                  for k, v in state_dict.items()}
    expected = expected_shapes()
    unknown = sorted(set(state_dict) - set(expected))
    missing = sorted(set(expected) - set(state_dict))
    if unknown or missing:
        raise ConversionError(
            f'{source}: not the released FNAC layout: {len(unknown)} unknown keys '
            f'{unknown[:5]}, {len(missing)} missing keys {missing[:5]}')
    for key, shape in expected.items():
        if tuple(state_dict[key].shape) != shape:
            raise ConversionError(f'{source}: {key} has shape '
                                  f'{tuple(state_dict[key].shape)}, expected {shape}')
    return OrderedDict((avloc_key(k), state_dict[k].clone()) for k in expected)


def load_released(path: str) -> dict:
    """The released file's checkpoint dict, read without running pickled code (its
    ``best_cIoU`` / ``best_Auc`` are numpy scalars, allowed for this read).

    Raises:
        ConversionError: unreadable, a pickle that asks for code, or no ``model``
            dict of tensors.
        FileNotFoundError: no such file.
    """
    try:
        checkpoint = load_checkpoint_file(path, allow_numpy_scalars=True)
    except FileNotFoundError:
        raise
    except ValueError as err:  # unreadable, or a pickle that asks for code
        raise ConversionError(str(err)) from err
    if not isinstance(checkpoint, dict):
        raise ConversionError(f'{path}: holds a {type(checkpoint).__name__}, not a dict')
    state_dict = checkpoint.get('model', checkpoint)
    if not isinstance(state_dict, dict) or not all(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ConversionError(f'{path}: has no model state dict of tensors')
    return checkpoint


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
