"""A checkpoint's state dict, whatever layout it was saved in, and whether it fits
a model.

Every path that puts a checkpoint into a model (``tools/test.py``, ``load_from``,
``--resume``, :func:`avloc.apis.init_localizer`) goes through here, so that a file
whose keys are renamed, half missing or mis-shaped is refused with one line that
names them, instead of scoring a mostly random model; so is one whose saved config
(``meta['cfg']``, read without running it) names another model type.
"""
import ast
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from .key_lists import count_and_list
from .released import ConversionError
from .ssltie import convert_ssltie, is_ssltie_layout

CONVERTER = 'tools/model_converters/ssltie_to_avloc.py'


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the model the config builds: it was trained as
    another model type (its saved config says so), or its tensors do not fit; the
    message counts the missing, unexpected and mis-shaped keys and names the first
    of each."""


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
        list[str]: One part per kind of mismatch, each as :func:`count_and_list`
        writes it, e.g. ``'3 missing keys (a, b, c)'`` or ``'1 shape mismatch (k:
        checkpoint (1, 2) vs model (3, 4))'``; empty when it fits.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [f'{k}: checkpoint {tuple(state_dict[k].shape)} vs model {tuple(v.shape)}'
              for k, v in own.items() if k in state_dict and state_dict[k].shape != v.shape]
    return [count_and_list(keys, one, many) for keys, one, many in (
        (missing, 'missing key', 'missing keys'),
        (unexpected, 'unexpected key', 'unexpected keys'),
        (shapes, 'shape mismatch', 'shape mismatches')) if keys]


def _dict_item(node: Optional[ast.expr], key: str) -> Optional[ast.expr]:
    """The value of ``key`` in a ``dict(key=...)`` call or a ``{'key': ...}`` literal."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == 'dict':
        return next((kw.value for kw in node.keywords if kw.arg == key), None)
    if isinstance(node, ast.Dict):
        return next((v for k, v in zip(node.keys, node.values)
                     if isinstance(k, ast.Constant) and k.value == key), None)
    return None


def saved_config_value(cfg_text: str, *path: str) -> Any:
    """A constant in a config's text, e.g. ``('model', 'type')``, or None.

    The text is MMEngine's ``Config.pretty_text``, which its runner saves in every
    checkpoint as ``meta['cfg']``. It is parsed, never run (``Config.fromstring``
    would execute whatever Python a downloaded file holds): only top-level
    assignments of ``dict(...)`` / ``{...}`` literals are followed.

    Args:
        cfg_text: The config's text.
        *path: The top-level name, then the keys inside it.

    Returns:
        The constant (a str, number, bool or None) at ``path``; None when the text
        does not parse or has no constant there.
    """
    try:
        tree = ast.parse(cfg_text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    node = None
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == path[0] for t in statement.targets):
            node = statement.value
    for key in path[1:]:
        node = _dict_item(node, key)
    return node.value if isinstance(node, ast.Constant) else None


def saved_config_text(checkpoint: Any) -> Optional[str]:
    """The config text an MMEngine runner saved in ``checkpoint['meta']['cfg']``."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    text = meta.get('cfg') if isinstance(meta, dict) else None
    return text if isinstance(text, str) else None


def trained_model_type(checkpoint: Any) -> Optional[str]:
    """The ``model.type`` of the config that trained ``checkpoint`` (from its
    ``meta['cfg']``), or None when the checkpoint does not say (a bare state dict,
    a converted release)."""
    text = saved_config_text(checkpoint)
    value = saved_config_value(text, 'model', 'type') if text else None
    return value if isinstance(value, str) else None


def _registry_name(model_type: Any) -> str:
    """``'avloc.SSLTIE'`` and ``'SSLTIE'`` (or the class) are one registry entry."""
    return getattr(model_type, '__name__', str(model_type)).rsplit('.', 1)[-1]


def model_type_mismatch(checkpoint: Any, model_type: Any) -> Optional[str]:
    """Why a checkpoint trained as another model does not belong to this config, or
    None when its meta names the same type or none.

    LVS and SSL-TIE (or EZ-VSL and FNAC) have the same tensors: only the saved config
    tells such checkpoints apart, and scoring one as the other is a wrong number.
    """
    trained = trained_model_type(checkpoint)
    if trained is None or _registry_name(trained) == _registry_name(model_type):
        return None
    return (f'this checkpoint was trained with {_registry_name(trained)} (its meta.cfg '
            f'says model.type={trained!r}), this config builds {_registry_name(model_type)}')


def fit_problems(model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor],
                 checkpoint: Any = None) -> List[str]:
    """Every reason ``state_dict`` does not belong in ``model``: another model type
    in ``checkpoint``'s meta (the loaded file, when given; the model's class name is
    the registry name a saved config uses), then :func:`key_mismatch`'s parts.
    Empty when it fits."""
    problems = [model_type_mismatch(checkpoint, type(model))] \
        if checkpoint is not None else []
    return [p for p in problems if p] + key_mismatch(model, state_dict)


def check_fits(model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor],
               source: str = 'checkpoint', checkpoint: Any = None) -> None:
    """Raise :class:`CheckpointMismatchError` unless ``state_dict`` sets exactly the
    model's tensors with their shapes (a strict ``load_state_dict``, with a message
    that fits on a line instead of one that lists hundreds of keys) and, when
    ``checkpoint`` (the loaded file) is given, it was trained as the model's type."""
    parts = fit_problems(model, state_dict, checkpoint)
    if parts:
        raise CheckpointMismatchError(mismatch_message(source, parts))


def mismatch_message(source: str, parts: Sequence[str], remedy: str = '') -> str:
    """``'<source>: does not fit the model of this config: <part>; <part>'``, then
    `` (<remedy>)`` when one is given: the one wording of every refusal."""
    return (f'{source}: does not fit the model of this config: ' + '; '.join(parts)
            + (f' ({remedy})' if remedy else ''))
