"""MMEngine's runner, loading checkpoints without trusting their pickle and saving
them whole or not at all."""
import os
import os.path as osp
from typing import Callable, List, Tuple, Union

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from avloc.registry import RUNNERS
from avloc.utils import load_checkpoint_file
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
    any of its code can run. It saves the message hub in plain values so that its
    own checkpoints need no more trust. A checkpoint appears under its name only once
    it is completely written. Configs select it with ``runner_type='AVLocRunner'``."""

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        self.register_hook(PlainCheckpointHook())

    def load_checkpoint(self, filename: str,
                        map_location: Union[str, Callable] = 'cpu', strict: bool = False,
                        revise_keys: List[Tuple[str, str]] = [(r'^module.', '')]) -> dict:
        """Load ``filename`` (a local path or an http(s) URL) into the model.

        Args:
            filename: The checkpoint.
            map_location: Same as :func:`torch.load`. Defaults to 'cpu'.
            strict: Whether the checkpoint's keys must match the model's exactly.
                Defaults to False.
            revise_keys: (pattern, replacement) rewrites of the state dict's keys.
                Defaults to stripping DDP's ``module.``.

        Returns:
            dict: The loaded checkpoint.
        """
        checkpoint = load_checkpoint_file(filename, map_location)
        from_plain_checkpoint(checkpoint)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                               revise_keys=revise_keys)
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
