"""avloc: self-supervised audio-visual sound source localisation for MMEngine.

Importing the package registers every dataset, transform, model, metric and hook in
avloc's registries (scope ``avloc``).
"""
from . import (datasets, engine, evaluation, models, structures, utils,  # noqa: F401
               visualization)
from .version import __version__  # noqa: F401
