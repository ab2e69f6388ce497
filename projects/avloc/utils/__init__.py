from .checkpoint_check import MalformedCheckpointError
from .precision import force_float32
from .safe_load import UnsafeCheckpointError, load_checkpoint_file

__all__ = ['MalformedCheckpointError', 'UnsafeCheckpointError', 'force_float32',
           'load_checkpoint_file']
