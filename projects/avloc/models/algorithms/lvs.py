"""LVS: "Localizing Visual Sounds the Hard Way", Chen et al., CVPR 2021
(https://arxiv.org/abs/2104.02691).

Train on the embedded benchmark::

    python tools/train.py configs/lvs/lvs_r18_1xb16-2e_avshapes1k.py
"""
from typing import Optional

from avloc.registry import MODELS
from .ssltie import SSLTIE


@MODELS.register_module()
class LVS(SSLTIE):
    """The localisation contrastive loss alone, on the views the pipeline makes.

    SSL-TIE extends LVS with transformation invariance and equivariance; with
    neither, SSL-TIE's model and loss are LVS's. What tells the two apart in a
    config is LVS's own audio front end (:class:`LogSpectrogram`) and its plain
    crop-and-flip augmentation.

    Args:
        visual_encoder (dict): (B, 3, H, W) -> (B, C, h, w).
        audio_encoder (dict): (B, 1, F, T) -> (B, C).
        contrastive_loss (dict): :class:`LocalizationContrastiveLoss`.
        gather_negatives (bool): As for :class:`SSLTIE`. Defaults to False.
        data_preprocessor (dict, optional): Defaults to None.
        test_cfg (dict, optional): As for :class:`SSLTIE`. Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self, visual_encoder: dict, audio_encoder: dict, contrastive_loss: dict,
                 gather_negatives: bool = False, data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(visual_encoder, audio_encoder, contrastive_loss,
                         gather_negatives=gather_negatives,
                         data_preprocessor=data_preprocessor, test_cfg=test_cfg,
                         init_cfg=init_cfg)
