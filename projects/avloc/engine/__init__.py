from .checkpoint_compat import allow_mmengine_checkpoint_types
from .cpu_distributed import prepare_cpu_distributed
from .hooks import *  # noqa: F401,F403

allow_mmengine_checkpoint_types()

__all__ = ['allow_mmengine_checkpoint_types', 'prepare_cpu_distributed']
