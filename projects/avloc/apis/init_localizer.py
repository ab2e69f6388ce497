"""Building a localiser from a config and a checkpoint, for inference.

    model = init_localizer('configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py',
                           'work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth')
"""
import os.path as osp
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from avloc.models.converters import check_fits, model_state_dict
from avloc.registry import MODELS
from avloc.utils import load_checkpoint_file


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
        # allow_numpy_scalars: the released SSL-TIE files store best_miou so
        state_dict = model_state_dict(
            load_checkpoint_file(checkpoint, allow_numpy_scalars=True), checkpoint)
        check_fits(model, state_dict, checkpoint)
        model.load_state_dict(state_dict)
    model.cfg = cfg
    return model.to(device).eval()
