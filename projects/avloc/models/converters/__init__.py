"""Converters from other codebases' checkpoints to avloc's parameter names."""
from .ssltie import (ConversionError, convert_ssltie, expected_shapes, is_ssltie_layout,
                     load_released)

__all__ = ['ConversionError', 'convert_ssltie', 'expected_shapes', 'is_ssltie_layout',
           'load_released']
