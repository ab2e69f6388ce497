"""Per-clip random seeds, so that a clip's augmentation does not depend on which
worker loads it, on how many clips that worker loaded before, or on a resume.

The training loop wraps the sampler in :class:`SeededEpochSampler`, which yields
each dataset index as a :class:`SeededIndex` carrying a seed drawn from (run seed,
epoch, index); the dataset calls :func:`apply_sample_seed` before running the
pipeline. An epoch interrupted after k batches and resumed therefore sees the same
batches, augmented the same way, as an uninterrupted run.
"""
import random
from typing import Iterator, Sized

import numpy as np
import torch
from torch.utils.data import Sampler


class SeededIndex(int):
    """A dataset index that carries the seed of its random draws."""

    seed: int

    def __new__(cls, index: int, seed: int) -> 'SeededIndex':
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):  # keep the seed when sent to a dataloader worker
        return SeededIndex, (int(self), self.seed)


def sample_seed(run_seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed, independent across (run seed, epoch, index)."""
    return int(np.random.SeedSequence([run_seed % 2**32, epoch, index]).generate_state(1)[0])


def seed_global_rngs(seed: int) -> None:
    """Seed Python's, numpy's and torch's global generators (CUDA's included)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def apply_sample_seed(index: int) -> None:
    """Seed the global generators from ``index.seed``; a plain ``int``
    (evaluation, tests) leaves them alone."""
    seed = getattr(index, 'seed', None)
    if seed is not None:
        seed_global_rngs(seed)


class SeededEpochSampler(Sampler):
    """One epoch of ``sampler``, each index tagged with its seed, the first ``skip``
    indices left out (the ones a resumed run already trained on).

    Args:
        sampler: The epoch's sampler (already ``set_epoch``-ed).
        run_seed: The run's seed.
        epoch: The epoch, 0-based.
        skip: Indices of this epoch to leave out. Defaults to 0.
    """

    def __init__(self, sampler: Sized, run_seed: int, epoch: int, skip: int = 0) -> None:
        self.sampler = sampler
        self.run_seed = run_seed
        self.epoch = epoch
        self.skip = skip

    def __iter__(self) -> Iterator[SeededIndex]:
        for position, index in enumerate(self.sampler):
            if position >= self.skip:
                yield SeededIndex(index, sample_seed(self.run_seed, self.epoch, index))

    def __len__(self) -> int:
        # The whole epoch: the loop counts its iterations from the first batch.
        return len(self.sampler)
