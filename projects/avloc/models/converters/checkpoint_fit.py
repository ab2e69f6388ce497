"""A checkpoint's state dict, whatever layout it was saved in, and whether it fits
a model.

Every path that puts a checkpoint into a model (``tools/test.py``, ``load_from``,
``--resume``, :func:`avloc.apis.init_localizer`) goes through here, so that a file
whose keys are renamed, half missing or mis-shaped is refused with one line that
names them, instead of scoring a mostly random model.
"""
import re
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import torch

from .released import ConversionError
from .ssltie import convert_ssltie, is_ssltie_layout

CONVERTER = 'tools/model_converters/ssltie_to_avloc.py'


class CheckpointMismatchError(ValueError):
    """A checkpoint's tensors do not fit the model the config builds; the message
    counts the missing, unexpected and mis-shaped keys and names the first of each."""


def require_dict(loaded: Any, source: str) -> dict:
    """``loaded`` itself if it is a dict (a checkpoint or a state dict).

    Raises:
        CheckpointMismatchError: naming ``source`` and what it holds instead.
    """
    if not isinstance(loaded, dict):
        raise CheckpointMismatchError(
            f'{source}: holds a {type(loaded).__name__}, not a checkpoint dict')
    return loaded


def model_state_dict(loaded: Any, source: str,
                     revise_keys: Sequence[Tuple[str, str]] = ()) -> Dict[str, torch.Tensor]:
    """The model tensors of a loaded checkpoint file.

    Args:
        loaded: What :func:`avloc.utils.load_checkpoint_file` returned: an MMEngine
            checkpoint (``{'state_dict': ..., 'meta': ...}``), a bare state dict, or
            a released SSL-TIE checkpoint (``imgnet.*`` / ``audnet.*`` keys, bare or
            under ``state_dict``), which is converted.
        source: The file, for error messages.
        revise_keys: ``(pattern, replacement)`` rewrites of the keys, applied in
            order (e.g. DDP's ``module.`` prefix). Defaults to none.

    Returns:
        dict: Key -> tensor, under avloc's names.

    Raises:
        CheckpointMismatchError: ``loaded`` is not a dict, or holds no state dict
            of tensors.
        ConversionError: A released layout that does not convert; the message
            names the converter, which reports every key.
    """
    state_dict = require_dict(loaded, source).get('state_dict', loaded)
    if not isinstance(state_dict, dict) or not state_dict or not all(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise CheckpointMismatchError(f'{source}: has no state_dict of tensors')
    if is_ssltie_layout(state_dict):
        try:
            return dict(convert_ssltie(state_dict, source))
        except ConversionError as err:
            raise ConversionError(f'{err}. Its keys look like a released SSL-TIE '
                                  f'checkpoint: {CONVERTER} checks a released file '
                                  'and converts it') from err
    for pattern, replacement in revise_keys:
        state_dict = {re.sub(pattern, replacement, k): v for k, v in state_dict.items()}
    return dict(state_dict)


def key_mismatch(model: torch.nn.Module,
                 state_dict: Mapping[str, torch.Tensor]) -> List[str]:
    """What keeps ``state_dict`` from setting exactly the model's tensors.

    Returns:
        list[str]: One part per kind of mismatch, e.g. ``'3 missing keys [...]'``
        (the count, then at most the first three keys); empty when it fits.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [f'{k} {tuple(state_dict[k].shape)} vs {tuple(v.shape)}'
              for k, v in own.items() if k in state_dict and state_dict[k].shape != v.shape]
    return [f'{len(keys)} {what} {keys[:3]}' for what, keys in (
        ('missing keys', missing), ('unexpected keys', unexpected),
        ('mis-shaped keys (checkpoint vs model)', shapes)) if keys]


def check_fits(model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor],
               source: str = 'checkpoint') -> None:
    """Raise :class:`CheckpointMismatchError` unless ``state_dict`` sets exactly the
    model's tensors with their shapes (a strict ``load_state_dict``, with a message
    that fits on a line instead of one that lists hundreds of keys)."""
    parts = key_mismatch(model, state_dict)
    if parts:
        raise CheckpointMismatchError(
            f'{source}: does not fit the model of this config: ' + '; '.join(parts))
