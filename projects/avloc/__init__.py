"""avloc: self-supervised audio-visual sound source localisation for MMEngine.

Importing the package registers every dataset, transform, model, metric and hook in
avloc's registries (scope ``avloc``).
"""
# First: torch and torchvision are the user's (not install requirements), and mmcv
# below already imports torch.
from .pytorch_check import check_pytorch

check_pytorch()

from mmengine.utils import digit_version  # noqa: E402

# mmcv is not an install requirement: full `mmcv` and `mmcv-lite` provide the same
# module and a requirement cannot name either. Checked here instead, as mmdet does.
MMCV_MIN, MMCV_MAX = '2.0.0', '3.0.0'
_MMCV_FIX = (f'install one: pip install "mmcv-lite>={MMCV_MIN},<{MMCV_MAX}" (or '
             f'pip install "avloc[mmcv-lite]"), or full mmcv in that range '
             f'(docs/install.md)')
try:
    import mmcv
except ModuleNotFoundError as err:
    if err.name != 'mmcv':
        raise
    raise ImportError(f'avloc needs mmcv>={MMCV_MIN},<{MMCV_MAX} (its transforms) and '
                      f'it is not installed: {_MMCV_FIX}') from None
if not digit_version(MMCV_MIN) <= digit_version(mmcv.__version__) < digit_version(MMCV_MAX):
    raise ImportError(f'avloc needs mmcv>={MMCV_MIN},<{MMCV_MAX}, found mmcv '
                      f'{mmcv.__version__} ({mmcv.__file__}): {_MMCV_FIX}')

from . import (datasets, engine, evaluation, models, structures, utils,  # noqa: E402,F401
               visualization)
from .version import __version__  # noqa: E402,F401
