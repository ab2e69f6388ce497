from .checkpoint_compat import allow_mmengine_checkpoint_types
from .cpu_distributed import prepare_cpu_distributed
from .hooks import *  # noqa: F401,F403
from .run_config import load_run_config

allow_mmengine_checkpoint_types()

__all__ = ['allow_mmengine_checkpoint_types', 'load_run_config', 'prepare_cpu_distributed']
