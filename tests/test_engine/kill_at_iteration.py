"""A hook that ends its process with SIGKILL after a given training iteration, as a
cluster's pre-emption or an out-of-memory kill would (imported by test configs)."""
import os
import signal

from mmengine.dist import barrier
from mmengine.hooks import Hook

from avloc.registry import HOOKS


@HOOKS.register_module()
class KillAtIterationHook(Hook):
    """``kill -9`` every rank right after iteration ``iteration`` (1-based) and the
    checkpoint saved with it."""

    priority = 'LOWEST'  # after CheckpointHook

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 == self.iteration:
            barrier()  # rank 0 has finished writing the checkpoint
            os.kill(os.getpid(), signal.SIGKILL)
