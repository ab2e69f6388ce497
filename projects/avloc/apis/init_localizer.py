"""Building a localiser from a config and a checkpoint, for inference.

    model = init_localizer('configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py',
                           'work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth')
"""
import os.path as osp
from typing import Mapping, Optional, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from avloc.models.converters import convert_ssltie, is_ssltie_layout
from avloc.registry import MODELS
from avloc.utils import load_checkpoint_file


class CheckpointMismatchError(ValueError):
    """A checkpoint's tensors do not fit the model the config builds; the message
    names the first missing, unexpected and mis-shaped keys."""


def _resolve_config(config: Union[str, Config],
                    checkpoint: Optional[str]) -> Tuple[Config, Optional[str]]:
    """The config, and the checkpoint, for a config file, a Config or a model name
    that the model zoo (``avloc.apis.model_zoo.resolve``, when present) knows."""
    if isinstance(config, Config):
        return config, checkpoint
    if osp.isfile(config):
        return Config.fromfile(config), checkpoint
    try:
        from avloc.apis.model_zoo import resolve
    except ImportError:
        raise FileNotFoundError(f'{config}: no such config file (and this avloc has '
                                'no model zoo to look the name up in)') from None
    config_path, zoo_checkpoint = resolve(config)
    return Config.fromfile(config_path), checkpoint or zoo_checkpoint


def _state_dict(checkpoint: str) -> Mapping[str, torch.Tensor]:
    """The tensors of an avloc checkpoint, a bare state dict or a released SSL-TIE
    ``.pth.tar`` (converted in memory), read with the restricted unpickler."""
    loaded = load_checkpoint_file(checkpoint, allow_numpy_scalars=True)  # SSL-TIE's best_miou
    if not isinstance(loaded, dict):
        raise CheckpointMismatchError(
            f'{checkpoint}: holds a {type(loaded).__name__}, not a checkpoint dict')
    state_dict = loaded.get('state_dict', loaded)
    if not isinstance(state_dict, dict) or not all(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise CheckpointMismatchError(f'{checkpoint}: has no state_dict of tensors')
    if is_ssltie_layout(state_dict):
        return convert_ssltie(state_dict, checkpoint)  # ConversionError says what is off
    return state_dict


def check_fits(model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor],
               source: str = 'checkpoint') -> None:
    """Raise :class:`CheckpointMismatchError` unless ``state_dict`` sets exactly the
    model's tensors with their shapes (a strict ``load_state_dict``, with a message
    that fits on a line instead of one that lists hundreds of keys)."""
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [f'{k} {tuple(state_dict[k].shape)} vs {tuple(v.shape)}'
              for k, v in own.items() if k in state_dict and state_dict[k].shape != v.shape]
    if missing or unexpected or shapes:
        parts = [f'{len(keys)} {what} {keys[:3]}' for what, keys in (
            ('missing keys', missing), ('unexpected keys', unexpected),
            ('mis-shaped keys (checkpoint vs model)', shapes)) if keys]
        raise CheckpointMismatchError(
            f'{source}: does not fit the model of this config: ' + '; '.join(parts))


def init_localizer(config: Union[str, Config], checkpoint: Optional[str] = None,
                   device: Union[str, torch.device] = 'cpu') -> torch.nn.Module:
    """Build a localiser in eval mode, ready for :func:`localize`.

    Args:
        config: A config file, a :class:`Config`, or a model name that the model
            zoo resolves to a config and a checkpoint.
        checkpoint: Local path or ``http(s)://`` URL of an avloc checkpoint or of a
            released SSL-TIE ``.pth.tar`` (recognised by its ``imgnet.*`` /
            ``audnet.*`` keys and converted in memory). None keeps the random
            initialisation (``init_weights`` is not run: no pretrained download).
            Defaults to None.
        device: Where the model runs. Defaults to 'cpu'.

    Returns:
        The model, with the config as ``model.cfg`` (its test pipeline is what
        :func:`localize` runs). The other-audio control of the test config is off:
        it pairs a frame with the previous clip's audio, which a demo has no use for.

    Raises:
        FileNotFoundError: No such config, or no such local checkpoint.
        CheckpointMismatchError: The checkpoint does not fit the config's model.
        ValueError: The checkpoint file is unreadable or asks for code to load
            (:func:`avloc.utils.load_checkpoint_file`).
    """
    cfg, checkpoint = _resolve_config(config, checkpoint)
    model_cfg = cfg.model.copy()
    # Nested parts (the data preprocessor) are built through MMEngine's registry,
    # which finds avloc's only under its scope: set for this build only.
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'avloc')):
        model = MODELS.build(model_cfg)
    if checkpoint is not None:
        state_dict = _state_dict(checkpoint)
        check_fits(model, state_dict, checkpoint)
        model.load_state_dict(state_dict)
    model.cfg = cfg
    return model.to(device).eval()
