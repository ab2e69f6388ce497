"""MMEngine's runner, loading checkpoints without trusting their pickle and saving
them whole or not at all."""
import os
import os.path as osp
from typing import Callable, List, Optional, Tuple, Union

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import load_state_dict

from avloc.models.converters.checkpoint_fit import (CheckpointMismatchError, fit_problems,
                                                    mismatch_message, model_state_dict,
                                                    require_dict)
from avloc.registry import RUNNERS
from avloc.utils import load_checkpoint_file
from .checkpoint_selection import CheckpointSelectionHook, apply_select_on_test
from .safe_checkpoint import from_plain_checkpoint, to_plain_checkpoint


class PlainCheckpointHook(Hook):
    """Save the message hub and meta as plain values (see
    :mod:`avloc.engine.safe_checkpoint`), last of all hooks, after every other hook
    added what it saves."""

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        to_plain_checkpoint(checkpoint)


@RUNNERS.register_module()
class AVLocRunner(Runner):
    """:class:`~mmengine.runner.Runner` whose checkpoints load with torch's
    restricted unpickler and nothing more (``--resume``, ``load_from``,
    ``tools/test.py``): a crafted file is refused with an error naming it, before
    any of its code can run. A checkpoint must fit the model exactly unless the
    config sets ``load_strict=False``; so must the model type that the checkpoint's
    saved config names. It saves the message hub in plain values so that its
    own checkpoints need no more trust. A checkpoint appears under its name only once
    it is completely written. A config with ``select_on_test=True`` validates and
    selects its checkpoint on the test set, as the public SSL-TIE code does, and
    every checkpoint and score it leads to says so
    (:mod:`avloc.engine.checkpoint_selection`). Configs select it with
    ``runner_type='AVLocRunner'``."""

    @classmethod
    def from_cfg(cls, cfg) -> 'AVLocRunner':
        """Build the runner as MMEngine does, after applying ``select_on_test``
        (:func:`~avloc.engine.checkpoint_selection.apply_select_on_test`), so that
        the config saved in the work dir is the one that ran."""
        return super().from_cfg(apply_select_on_test(cfg))

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        self.register_hook(CheckpointSelectionHook())
        self.register_hook(PlainCheckpointHook())

    def load_checkpoint(self, filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: Optional[bool] = None,
                        revise_keys: List[Tuple[str, str]] = [(r'^module.', '')]) -> dict:
        """Load ``filename`` (a local path or an http(s) URL) into the model.

        A released SSL-TIE checkpoint (or its bare state dict) is recognised by its
        keys and converted on the way in.

        Args:
            filename: The checkpoint.
            map_location: Same as :func:`torch.load`. Defaults to 'cpu'.
            strict: Whether the checkpoint's tensors must set exactly the model's,
                with their shapes, and its saved config (``meta['cfg']``, when it
                has one) name the same model type. None takes the config's
                ``load_strict``, which defaults to True: a checkpoint that does not
                fit would leave part of the model random, or score one method's
                weights as another's. With False, what does not fit is logged as a
                warning and the rest is loaded.
            revise_keys: (pattern, replacement) rewrites of the state dict's keys.
                Defaults to stripping DDP's ``module.``.

        Returns:
            dict: The loaded checkpoint.

        Raises:
            CheckpointMismatchError: The file is not a checkpoint dict, or (when
                strict) it was trained as another model type or its tensors do not
                fit the model; the message says which type, and counts and names
                the missing, unexpected and mis-shaped keys.
        """
        if strict is None:
            strict = self.cfg.get('load_strict', True)
        # allow_numpy_scalars: the released SSL-TIE files store best_miou as one
        checkpoint = require_dict(
            load_checkpoint_file(filename, map_location, allow_numpy_scalars=True), filename)
        from_plain_checkpoint(checkpoint)
        # After the hooks, which may change the state dict (MMEngine's EMAHook swaps
        # in the averaged weights), as MMEngine's own loading does.
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        state_dict = model_state_dict(checkpoint, filename, revise_keys)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        mismatch = fit_problems(model, state_dict, checkpoint)
        if mismatch and strict:
            raise CheckpointMismatchError(mismatch_message(
                filename, mismatch, 'set load_strict=False in the config to load the '
                'tensors that fit and leave the rest as initialised'))
        if mismatch:
            self.logger.warning(f'{filename}: loaded the tensors that fit the model; '
                                'not loaded: ' + '; '.join(mismatch))
        load_state_dict(model, state_dict, strict=False, logger=self.logger)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs) -> None:
        """Save as :meth:`mmengine.runner.Runner.save_checkpoint` does, but on a local
        disk into ``<filename>.partial`` and then renamed: a run killed or out of disk
        while it writes leaves no truncated file where ``--resume`` or
        ``tools/test.py`` would find one, and a save that fails removes its partial
        file.

        Args:
            out_dir: The folder (a local path or a storage backend's URI).
            filename: The checkpoint's file name.
            *args: Passed on to MMEngine (its save options).
            **kwargs: Passed on to MMEngine (its save options).
        """
        if not osp.isdir(out_dir):  # a remote backend writes in one request
            super().save_checkpoint(out_dir, filename, *args, **kwargs)
            return
        partial_name = filename + '.partial'
        partial = osp.join(out_dir, partial_name)
        try:
            super().save_checkpoint(out_dir, partial_name, *args, **kwargs)
            os.replace(partial, osp.join(out_dir, filename))
        finally:
            if osp.exists(partial):
                os.remove(partial)
