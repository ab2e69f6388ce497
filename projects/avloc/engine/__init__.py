from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper
from .cpu_distributed import prepare_cpu_distributed
from .hooks import *  # noqa: F401,F403
from .resumable_train_loop import ResumableEpochBasedTrainLoop, ResumeMismatchError
from .run_config import load_run_config
from .runner import AVLocRunner

__all__ = ['AVLocRunner', 'CPUAutocastOptimWrapper', 'ResumableEpochBasedTrainLoop',
           'ResumeMismatchError', 'load_run_config', 'prepare_cpu_distributed']
