from .checkpoint_check import MalformedCheckpointError
from .safe_load import UnsafeCheckpointError, load_checkpoint_file

__all__ = ['MalformedCheckpointError', 'UnsafeCheckpointError', 'load_checkpoint_file']
