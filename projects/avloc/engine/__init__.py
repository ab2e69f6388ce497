from .checkpoint_compat import allow_mmengine_checkpoint_types
from .hooks import *  # noqa: F401,F403

allow_mmengine_checkpoint_types()

__all__ = ['allow_mmengine_checkpoint_types']
