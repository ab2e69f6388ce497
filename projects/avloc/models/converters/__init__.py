"""Converters from other codebases' checkpoints to avloc's parameter names, and the
check that a checkpoint fits a model."""
from .checkpoint_fit import (CheckpointMismatchError, check_fits, key_mismatch, model_state_dict,
                             require_dict)
from .released import ConversionError, check_layout, resnet18_trunk_shapes, strip_module
from .ssltie import convert_ssltie, expected_shapes, is_ssltie_layout, load_released

__all__ = ['CheckpointMismatchError', 'ConversionError', 'check_fits', 'check_layout',
           'convert_ssltie', 'expected_shapes', 'is_ssltie_layout', 'key_mismatch',
           'load_released', 'model_state_dict', 'require_dict', 'resnet18_trunk_shapes',
           'strip_module']
