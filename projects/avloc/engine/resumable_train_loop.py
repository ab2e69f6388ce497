"""An epoch-based training loop that resumes exactly where a run stopped."""
import numpy as np
from mmengine.runner import EpochBasedTrainLoop

from avloc.datasets.seeded_index import SeededEpochSampler, seed_global_rngs
from avloc.registry import LOOPS


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
    dataloader workers and ranks. The arguments are
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

    def run_epoch(self) -> None:
        """Iterate over the epoch's batches not trained on yet."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        num_batches = len(self.dataloader)
        # Batches of this epoch trained before the checkpoint; all of them when it
        # was saved after the epoch's last step, before the epoch's end hooks ran.
        done = self._iter - self._epoch * num_batches
        if not 0 <= done <= num_batches:
            raise RuntimeError(
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
