"""An epoch-based training loop that resumes exactly where a run stopped."""
import numpy as np
from mmengine.dist import get_world_size
from mmengine.runner import EpochBasedTrainLoop

from avloc.datasets.seeded_index import SeededEpochSampler, seed_global_rngs
from avloc.registry import LOOPS

LAYOUT_KEY = 'train_layout'  # where the message hub keeps ResumableEpochBasedTrainLoop.layout()


class ResumeMismatchError(ValueError):
    """A checkpoint cannot be resumed exactly in this run; the message says why."""


def step_seed(run_seed: int, iteration: int) -> int:
    """The seed of the model's random draws at one iteration (32 bits)."""
    return int(np.random.SeedSequence([run_seed % 2**32, 2**31 + iteration])
               .generate_state(1)[0])


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """MMEngine's :class:`~mmengine.runner.EpochBasedTrainLoop`, made exact under
    interruption.

    MMEngine restarts an interrupted epoch from its first batch, so a run resumed
    from an iteration checkpoint trains the epoch's first batches twice, at steps
    it has no schedule for. Here:

    - a resumed run skips the batches of the current epoch it already trained on
      (the sampler's order depends only on the seed and the epoch);
    - each clip's augmentation is seeded by (seed, epoch, clip), not by the
      worker's history (:class:`~avloc.datasets.seeded_index.SeededEpochSampler`);
    - the model's own draws (e.g. SSL-TIE's second-view transform) are seeded by
      (seed, iteration) before every step.

    So the resumed run's weights equal those of an uninterrupted run with the same
    seed, bit for bit under ``randomness.deterministic=True``, with any number of
    dataloader workers and ranks. A resume with another batch size, number of
    processes or set of clips is refused (:meth:`check_resumed_layout`). The arguments are
    :class:`~mmengine.runner.EpochBasedTrainLoop`'s.
    """

    def __init__(self, runner, dataloader, *args, **kwargs) -> None:
        super().__init__(runner, dataloader, *args, **kwargs)
        if len(self.dataloader) == 0:
            dataset = self.dataloader.dataset
            listed = getattr(dataset, 'metainfo', {}).get('num_listed', '?')
            name = getattr(dataset, 'ann_file', type(dataset).__name__)
            raise ValueError(
                f'{name}: {listed} clips listed, {len(dataset)} found: fewer than one '
                f'batch of {self.dataloader.batch_size} with drop_last=True, so an '
                'epoch has no step; add clips or lower train_dataloader.batch_size')

    def layout(self) -> dict:
        """What decides which clips each step trains on and how long the schedule
        is: the per-process batch size, the number of processes, the clips found
        and the batches per epoch."""
        dataloader = self.dataloader
        return dict(batch_size=dataloader.batch_size, world_size=get_world_size(),
                    num_clips=len(dataloader.dataset), batches_per_epoch=len(dataloader))

    def check_resumed_layout(self) -> None:
        """Refuse to resume a run whose batches would differ from the checkpoint's.

        The layout is kept in the message hub, which checkpoints save and
        ``--resume`` restores. With another batch size, process count or clip set
        the resumed run would skip the wrong clips and its per-iteration schedule
        (a cosine over ``max_epochs * batches_per_epoch`` steps) would no longer
        end where the checkpoint's does.

        Raises:
            ResumeMismatchError: The resumed checkpoint's layout differs; the
                message lists what differs and what to do.
        """
        message_hub = self.runner.message_hub
        saved = message_hub.get_info(LAYOUT_KEY) if self._iter else None
        current = self.layout()
        if saved is not None and saved != current:
            changes = ', '.join(f'{key} {saved.get(key)} in the checkpoint, {value} now'
                                for key, value in current.items() if saved.get(key) != value)
            raise ResumeMismatchError(
                f'cannot resume at iteration {self._iter}: {changes}. Resuming would '
                'train on other clips than the interrupted run and leave its learning-'
                'rate schedule off its end. Resume with the same batch size, processes '
                'and data, or start a new run from its weights with load_from=<the '
                'checkpoint> (and no --resume)')
        message_hub.update_info(LAYOUT_KEY, current)

    def run(self):
        """Train, after checking that a resumed run has the checkpoint's layout."""
        self.check_resumed_layout()
        return super().run()

    def run_epoch(self) -> None:
        """Iterate over the epoch's batches not trained on yet."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        num_batches = len(self.dataloader)
        # Batches of this epoch trained before the checkpoint; all of them when it
        # was saved after the epoch's last step, before the epoch's end hooks ran.
        done = self._iter - self._epoch * num_batches
        if not 0 <= done <= num_batches:
            raise ResumeMismatchError(
                f'resuming at iteration {self._iter} of epoch {self._epoch + 1}, which '
                f'has {num_batches} batches: the checkpoint does not belong to this '
                'dataset and batch size')
        if done:
            self.runner.logger.info(
                f'Resuming epoch {self._epoch + 1} after its first {done} of '
                f'{num_batches} batches')
        batch_sampler = self.dataloader.batch_sampler
        sampler = getattr(batch_sampler, 'sampler', None)
        if sampler is None or isinstance(sampler, SeededEpochSampler):
            raise TypeError('ResumableEpochBasedTrainLoop needs a dataloader with a '
                            'batch sampler over a plain sampler')
        batch_size = batch_sampler.batch_size
        batch_sampler.sampler = SeededEpochSampler(sampler, self.runner.seed, self._epoch,
                                                   skip=done * batch_size)
        try:
            # The sampler now yields exactly the batches left in this epoch.
            for idx, data_batch in enumerate(self.dataloader, start=done):
                seed_global_rngs(step_seed(self.runner.seed, self._iter))
                self.run_iter(idx, data_batch)
        finally:
            batch_sampler.sampler = sampler
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
