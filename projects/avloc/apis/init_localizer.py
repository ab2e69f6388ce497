"""Building a localiser from a config and a checkpoint, for inference.

    model = init_localizer('configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py',
                           'work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth')
    print(model.provenance.describe())

A model without trained weights draws heatmaps that look like answers and mean
nothing, so it is built only when asked for (``random_weights=True``).
"""
import os.path as osp
import warnings
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from avloc.models.converters import is_ssltie_layout
from avloc.models.converters.checkpoint_fit import (CheckpointMismatchError, fit_problems,
                                                    mismatch_message, model_state_dict)
from avloc.registry import MODELS
from avloc.utils import load_checkpoint_file
from .provenance import config_name, weights_provenance

RANDOM_HINT = 'random_weights=True (--random-weights in the demos)'


class MissingWeightsError(ValueError):
    """No checkpoint was given and none is in the zoo, and random weights were not
    asked for."""


def _resolve_config(config: Union[str, Config], checkpoint: Optional[str]
                    ) -> Tuple[Config, Optional[str], Optional[object]]:
    """The config, the checkpoint and the zoo entry (or None) for a config file, a
    Config or a model name that the model zoo (``avloc.apis.model_zoo``, when
    present) knows."""
    if isinstance(config, Config):
        return config, checkpoint, None
    if osp.isfile(config):
        return Config.fromfile(config), checkpoint, None
    try:
        from avloc.apis.model_zoo import get_model, resolve
    except ImportError:
        raise FileNotFoundError(f'{config}: no such config file (and this avloc has '
                                'no model zoo to look the name up in)') from None
    entry = get_model(config)  # a path-like name that is no file: FileNotFoundError
    if checkpoint is not None or entry.weights is None:
        return Config.fromfile(entry.config), checkpoint, entry
    config_path, zoo_checkpoint = resolve(config)
    return Config.fromfile(config_path), zoo_checkpoint, entry


def init_localizer(config: Union[str, Config], checkpoint: Optional[str] = None,
                   device: Union[str, torch.device] = 'cpu',
                   random_weights: bool = False) -> torch.nn.Module:
    """Build a localiser in eval mode, ready for :func:`localize`.

    Args:
        config: A config file, a :class:`Config`, or a model name that the model
            zoo resolves to a config and a checkpoint.
        checkpoint: Local path or ``http(s)://`` URL of an avloc checkpoint or of a
            released SSL-TIE ``.pth.tar`` (recognised by its ``imgnet.*`` /
            ``audnet.*`` keys and converted in memory). None takes the zoo
            entry's weights for a zoo name. Defaults to None.
        device: Where the model runs. Defaults to 'cpu'.
        random_weights: Accept weights that no checkpoint set: with no checkpoint,
            the whole model keeps its random initialisation (``init_weights`` is
            not run: no pretrained download); with one that does not fit, the
            tensors that fit are loaded, the rest stay random, and a warning says
            what did not fit. Defaults to False: both are errors.

    Returns:
        The model, with the config as ``model.cfg`` (its test pipeline is what
        :func:`localize` runs) and ``model.provenance``
        (:class:`~avloc.apis.provenance.Provenance`: which weights, trained on
        what). The other-audio control of the test config is off: it pairs a
        frame with the previous clip's audio, which a demo has no use for.

    Raises:
        FileNotFoundError: No such config, or no such local checkpoint.
        MissingWeightsError: No checkpoint (none given, none in the zoo), unless
            ``random_weights``.
        CheckpointMismatchError: The checkpoint was trained as another model type
            (its saved config says so) or its tensors do not fit the config's
            model, unless ``random_weights``.
        ValueError: The checkpoint file is unreadable or asks for code to load
            (:func:`avloc.utils.load_checkpoint_file`).
    """
    cfg, checkpoint, entry = _resolve_config(config, checkpoint)
    name = entry.name if entry is not None else config_name(
        config if isinstance(config, str) else cfg)
    if checkpoint is None and not random_weights:
        where = (f'the zoo has no weights for {name} (Weights: null in its metafile)'
                 if entry is not None else f'{name}: no checkpoint given')
        raise MissingWeightsError(f'{where}, and a model without trained weights draws '
                                  'heatmaps that mean nothing: pass a checkpoint, or '
                                  f'{RANDOM_HINT} to try the pipeline untrained')
    model_cfg = cfg.model.copy()
    # Nested parts (the data preprocessor) are built through MMEngine's registry,
    # which finds avloc's only under its scope: set for this build only.
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'avloc')):
        model = MODELS.build(model_cfg)
    loaded, released, fits = None, False, True
    if checkpoint is not None:
        # allow_numpy_scalars: the released SSL-TIE files store best_miou so
        loaded = load_checkpoint_file(checkpoint, allow_numpy_scalars=True)
        state_dict = model_state_dict(loaded, checkpoint)
        released = is_ssltie_layout(loaded.get('state_dict', loaded))
        problems = fit_problems(model, state_dict, loaded)
        if problems and not random_weights:
            raise CheckpointMismatchError(mismatch_message(
                checkpoint, problems, f'{RANDOM_HINT} loads the tensors that fit anyway'))
        fits = not problems
        if problems:
            warnings.warn(f'{checkpoint}: loaded only the tensors that fit; the rest of '
                          'the model is random: ' + '; '.join(problems))
            own = model.state_dict()
            state_dict = {k: v for k, v in state_dict.items()
                          if k in own and own[k].shape == v.shape}
        model.load_state_dict(state_dict, strict=fits)
    model.cfg = cfg
    model.provenance = weights_provenance(
        name, checkpoint, loaded, released, fits,
        entry.training_data if entry is not None else None)
    return model.to(device).eval()
