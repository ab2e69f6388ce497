"""What every converter of another codebase's released checkpoints shares: reading
the file with the least trust, dropping DataParallel's ``module.`` prefix, and
checking the tensors against the released layout before anything is renamed."""
from typing import Dict, Mapping, Optional, Tuple

import torch

from avloc.utils import load_checkpoint_file
from .key_lists import count_and_list


class ConversionError(ValueError):
    """The checkpoint is not in the released layout; the message says why."""


def strip_module(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Keys without the ``module.`` prefix that a (Distributed)DataParallel save adds."""
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state_dict.items()}


def resnet18_trunk_shapes() -> Dict[str, Tuple[int, ...]]:
    """torchvision's ResNet-18 without ``fc``: key -> shape (the frame and
    spectrogram encoders of LVS, EZ-VSL, SLAVC and FNAC keep these names)."""
    from torchvision.models import resnet18
    return {k: tuple(v.shape) for k, v in resnet18(weights=None).state_dict().items()
            if not k.startswith('fc.')}


def check_layout(state_dict: Mapping[str, torch.Tensor],
                 expected: Mapping[str, Tuple[int, ...]], source: str, layout: str) -> None:
    """Raise :class:`ConversionError` unless ``state_dict`` has exactly the keys of
    ``expected``, each with its shape.

    Args:
        state_dict: The tensors to check (``module.`` already stripped).
        expected: Key -> shape of the released layout.
        source: What to call the checkpoint in the message (usually its path).
        layout: What to call the layout, e.g. 'the released SLAVC layout'.
    """
    unknown = sorted(set(state_dict) - set(expected))
    missing = sorted(set(expected) - set(state_dict))
    if unknown or missing:
        parts = [count_and_list(keys, one, many) for keys, one, many in (
            (missing, 'missing key', 'missing keys'),
            (unknown, 'unexpected key', 'unexpected keys')) if keys]
        raise ConversionError(f'{source}: not {layout}: ' + '; '.join(parts))
    for key, shape in expected.items():
        if tuple(state_dict[key].shape) != tuple(shape):
            raise ConversionError(f'{source}: {key} has shape '
                                  f'{tuple(state_dict[key].shape)}, expected {tuple(shape)}')


def load_released(path: str, key: Optional[str]) -> dict:
    """A released checkpoint dict, read without running pickled code (numpy scalars,
    which the public codes store as their best scores, are allowed).

    Args:
        path: The file.
        key: Where its state dict is (e.g. ``'state_dict'``, ``'model'``); the
            whole dict when the file has no such key (a bare state dict).

    Raises:
        ConversionError: unreadable, a pickle that asks for code, or no state
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
    state_dict = checkpoint.get(key, checkpoint)
    if not isinstance(state_dict, dict) or not all(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        where = f'{key!r} state dict' if key else 'state dict'
        raise ConversionError(f'{path}: has no {where} of tensors')
    return checkpoint
