"""Stop (or skip the step) when training produces a NaN or inf.

Without it a diverged run goes on to the end: every loss is NaN, every heatmap is
NaN, the exit status is 0 and a "best" checkpoint is saved.
"""
import math
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Tuple

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from mmengine.runner import EpochBasedTrainLoop

from avloc.registry import HOOKS

POLICIES = ('stop', 'skip')


def non_finite_names(named: Iterable[Tuple[str, torch.Tensor]]) -> List[str]:
    """Names of the floating-point tensors holding a NaN or inf.

    One fused norm per (device, dtype) screens all tensors with a host sync each;
    only when it is not finite is every tensor looked at, because a norm also
    overflows for finite entries above about 1e19.

    Args:
        named (Iterable[tuple[str, Tensor]]): (name, tensor) pairs, e.g.
            ``model.named_parameters()``; non-float tensors are ignored.

    Returns:
        list[str]: The names of the non-finite tensors, in the given order.
    """
    named = [(name, t.detach()) for name, t in named
             if t.is_floating_point() and t.numel()]
    groups = defaultdict(list)
    for _, tensor in named:
        groups[(tensor.device, tensor.dtype)].append(tensor)
    if all(bool(torch.stack(torch._foreach_norm(tensors)).isfinite().all())
           for tensors in groups.values()):
        return []
    return [name for name, tensor in named if not bool(tensor.isfinite().all())]


class _SkipNonFiniteLoss:
    """Stands in for ``optim_wrapper.update_params``: a non-finite loss gets no
    backward and no optimizer step (nothing is restored: the forward pass has
    already updated the BatchNorm running statistics).

    Every rank skips when any rank's loss is not finite, because DDP's backward is
    a collective. The loss is checked before the loss scale multiplies it, so
    AmpOptimWrapper still skips its own steps with inf gradients.
    """

    def __init__(self, optim_wrapper: OptimWrapper) -> None:
        self.optim_wrapper = optim_wrapper
        self.update_params = optim_wrapper.update_params
        self.skipped = False

    def __call__(self, loss: torch.Tensor, step_kwargs: Optional[dict] = None,
                 zero_kwargs: Optional[dict] = None) -> None:
        finite = torch.isfinite(loss.detach()).all().float()
        all_reduce(finite, op='min')
        self.skipped = not bool(finite)
        if self.skipped:
            # Under gradient accumulation this drops the window's earlier batches.
            self.optim_wrapper.zero_grad(**(zero_kwargs or {}))
        else:
            self.update_params(loss, step_kwargs, zero_kwargs)


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """After every training iteration, check the loss terms and the model's
    floating-point buffers (the BatchNorm running statistics), and every
    ``param_interval`` iterations its weights; before any checkpoint is written,
    check every tensor in it.

    A NaN or inf stops training with an error naming the iteration, the epoch, the
    loss terms with their values and the batch's clips, e.g. ``iteration 7 (epoch
    1): non-finite loss: loss=nan, loss_cl=0.5213, loss_equiv=nan``. With
    ``on_non_finite='skip'`` a step whose loss is not finite is skipped instead
    (the hook wraps the optimizer wrapper's ``update_params``, where the backward
    pass and the step happen, so it works with whatever wrapper the config or
    ``--amp`` built), counted and logged; more than ``max_consecutive_skips`` in a
    row stop training. Non-finite buffers or weights always stop it: the step that
    made them cannot be undone.

    The checks read the loss values the logger already synchronises and one fused
    norm over the tensors, so they cost little (see ``non_finite_names``). Under DDP
    each rank checks its own loss and stops alone (torchrun then ends the others);
    the weights, which DDP keeps equal, stop every rank at the same iteration.

    Args:
        on_non_finite (str): 'stop' or 'skip' on a non-finite loss.
            Defaults to 'stop'.
        max_consecutive_skips (int): The most steps skipped in a row before
            training stops ('skip' only). Defaults to 10.
        param_interval (int): Check the weights every this many iterations (and
            before every checkpoint). Defaults to 1.
    """

    priority = 'ABOVE_NORMAL'  # before an iteration-based CheckpointHook saves

    def __init__(self, on_non_finite: str = 'stop', max_consecutive_skips: int = 10,
                 param_interval: int = 1) -> None:
        if on_non_finite not in POLICIES:
            raise ValueError(f"on_non_finite must be 'stop' or 'skip', got "
                             f'{on_non_finite!r}')
        if max_consecutive_skips < 0 or param_interval < 1:
            raise ValueError('max_consecutive_skips must be >= 0 and param_interval '
                             f'>= 1, got {max_consecutive_skips} and {param_interval}')
        self.on_non_finite = on_non_finite
        self.max_consecutive_skips = max_consecutive_skips
        self.param_interval = param_interval
        self._guard: Optional[_SkipNonFiniteLoss] = None
        self.consecutive_skips = 0
        self.total_skips = 0

    def before_train(self, runner) -> None:
        if self.on_non_finite != 'skip':
            return
        wrapper = runner.optim_wrapper
        if not isinstance(wrapper, OptimWrapper):
            raise TypeError("on_non_finite='skip' needs a single OptimWrapper, got "
                            f'{type(wrapper).__name__}')
        self._guard = _SkipNonFiniteLoss(wrapper)
        wrapper.update_params = self._guard  # an instance attribute: undone in after_train

    def after_train(self, runner) -> None:
        if self._guard is not None:
            del self._guard.optim_wrapper.update_params
            self._guard = None
        if self.total_skips:
            runner.logger.warning(f'{self.total_skips} training steps were skipped for '
                                  'a non-finite loss')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[Dict[str, torch.Tensor]] = None) -> None:
        losses = {key: float(torch.as_tensor(value).detach())
                  for key, value in (outputs or {}).items() if 'loss' in key}
        terms = ', '.join(f'{key}={value:.4g}' for key, value in losses.items())
        where = self._where(runner)
        skipped = self._guard is not None and self._guard.skipped
        if skipped:
            self._count_skip(runner, where, terms, data_batch)
        else:
            self.consecutive_skips = 0
            if not all(math.isfinite(value) for value in losses.values()):
                raise FloatingPointError(
                    f'{where}: non-finite loss: {terms}{_clips(data_batch)}. Training '
                    'stopped: lower the learning rate, check these clips, or set '
                    "default_hooks.non_finite.on_non_finite='skip'")
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._check(where, 'buffers (BatchNorm running statistics)', terms,
                    model.named_buffers())
        if (runner.iter + 1) % self.param_interval == 0:
            self._check(where, 'weights', terms, model.named_parameters())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = non_finite_names(checkpoint['state_dict'].items())
        if bad:
            meta = checkpoint.get('meta', {})
            raise FloatingPointError(
                f"refusing to save the checkpoint of epoch {meta.get('epoch')}, "
                f"iteration {meta.get('iter')}: non-finite values in {_listed(bad)}")

    def _count_skip(self, runner, where: str, terms: str, data_batch) -> None:
        self.consecutive_skips += 1
        self.total_skips += 1
        if self.consecutive_skips > self.max_consecutive_skips:
            raise FloatingPointError(
                f'{where}: non-finite loss: {terms}{_clips(data_batch)}; '
                f'{self.consecutive_skips} steps in a row had a non-finite loss, more '
                f'than max_consecutive_skips={self.max_consecutive_skips}. Training '
                'stopped')
        # All ranks skip together; this rank's own loss may have been finite.
        runner.logger.warning(
            f'{where}: non-finite loss: {terms}{_clips(data_batch)}: step skipped '
            f'({self.consecutive_skips} in a row, {self.total_skips} in this run)')

    @staticmethod
    def _check(where: str, what: str, terms: str,
               named: Iterable[Tuple[str, torch.Tensor]]) -> None:
        bad = non_finite_names(named)
        if bad:
            raise FloatingPointError(f'{where}: non-finite {what} after the step: '
                                     f'{_listed(bad)} (loss terms: {terms})')

    @staticmethod
    def _where(runner) -> str:
        """'iteration 7 (epoch 1)', 1-based as the log counts."""
        where = f'iteration {runner.iter + 1}'
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            where += f' (epoch {runner.epoch + 1})'
        return where


def _listed(names: List[str], most: int = 5) -> str:
    more = f' and {len(names) - most} more' if len(names) > most else ''
    return ', '.join(names[:most]) + more


def _clips(data_batch) -> str:
    """', in a batch of clips a, b, ..., h and 8 more', when the samples name them."""
    samples = data_batch.get('data_samples') if isinstance(data_batch, dict) else None
    ids = [str(s.clip_id) for s in samples or []
           if 'clip_id' in getattr(s, 'metainfo', {})]
    if not ids:
        return ''
    return f', in a batch of clips {_listed(ids, most=8)}'
