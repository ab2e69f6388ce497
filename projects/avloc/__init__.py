"""avloc: self-supervised audio-visual sound source localisation for MMEngine.

Importing the package registers every dataset, transform, model, metric and hook in
avloc's registries (scope ``avloc``).
"""
from . import datasets, engine, evaluation, models, structures, visualization  # noqa: F401

__version__ = '0.1.0'
