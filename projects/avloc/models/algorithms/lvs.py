"""LVS: "Localizing Visual Sounds the Hard Way", Chen et al., CVPR 2021
(https://arxiv.org/abs/2104.02691).

Train on the embedded benchmark::

    python tools/train.py configs/lvs/lvs_r18_1xb16-2e_avshapes1k.py
"""
from avloc.registry import MODELS
from .base_localizer import BaseLocalizer


@MODELS.register_module()
class LVS(BaseLocalizer):
    """The base method: the encoders' own outputs compared by cosine (no
    projections), trained with :class:`LocalizationContrastiveHead` on view 0.

    What tells LVS apart from a bare SSL-TIE in a config is its audio front end
    (:class:`LogSpectrogram`) and its plain crop-and-flip augmentation; SSL-TIE
    extends this class with transformation invariance and equivariance.

    Args: as :class:`BaseLocalizer`; ``head`` is
    ``dict(type='LocalizationContrastiveHead', ...)``.
    """
