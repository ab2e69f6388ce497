from .checkpoint_selection import (SELECTED_ON_TEST, CheckpointSelectionHook, apply_select_on_test,
                                   loaded_selection)
from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper
from .cpu_distributed import prepare_cpu_distributed
from .hooks import *  # noqa: F401,F403
from .resumable_train_loop import ResumableEpochBasedTrainLoop, ResumeMismatchError
from .run_config import load_run_config
from .runner import AVLocRunner

__all__ = ['AVLocRunner', 'CPUAutocastOptimWrapper', 'CheckpointSelectionHook',
           'ResumableEpochBasedTrainLoop', 'ResumeMismatchError', 'SELECTED_ON_TEST',
           'apply_select_on_test', 'load_run_config', 'loaded_selection',
           'prepare_cpu_distributed']
