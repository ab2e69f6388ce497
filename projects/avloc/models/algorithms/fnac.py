"""FNAC: "Learning Audio-Visual Source Localization via False Negative Aware
Contrastive Learning", Sun et al., CVPR 2023 (https://arxiv.org/abs/2303.11302;
public code github.com/OpenNLPLab/FNAC_AVL).

Train on VGG-Sound 144k, test on VGG-SS::

    python tools/train.py configs/fnac/fnac_r18_1xb256-30e_vggsound144k.py
"""
from typing import Optional

from avloc.registry import MODELS
from .base_localizer import BaseLocalizer


@MODELS.register_module()
class FNAC(BaseLocalizer):
    """EZ-VSL's model (ResNet-18 encoders, 1x1-convolution and linear projections,
    cosine maps) with dropout 0.9 on the visual map before its projection, trained
    with :class:`FNACHead` (EZ-VSL's loss plus the false-negative-aware terms).

    The public ``model.py``: ``img_dropout`` (p = ``dropout_img``, 0.9 in every
    training script) before ``img_proj``, ``aud_dropout`` (0) before ``aud_proj``,
    both outputs L2-normalised (the head and :meth:`heatmaps` normalise). Its
    heatmap is the own-audio map ``<v_n, a_n> / tau``; here it is the cosine
    ``<v_n, a_n>``, which every test-time map min-max scales, so the maps scored
    are the same.

    Args: as :class:`BaseLocalizer`, with 512-d projections and visual dropout 0.9
        by default; ``head`` is ``dict(type='FNACHead', ...)``.
    """

    def __init__(self, visual_encoder: dict, audio_encoder: dict, head: dict,
                 embed_dim: Optional[int] = 512, visual_dropout: float = 0.9,
                 **kwargs) -> None:
        super().__init__(visual_encoder, audio_encoder, head, embed_dim=embed_dim,
                         visual_dropout=visual_dropout, **kwargs)
