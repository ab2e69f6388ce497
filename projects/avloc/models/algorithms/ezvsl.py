"""EZ-VSL: "Localizing Visual Sounds the Easy Way", Mo & Morgado, ECCV 2022
(https://arxiv.org/abs/2203.09324).

Train on the embedded benchmark::

    python tools/train.py configs/ezvsl/ezvsl_r18_1xb16-2e_avshapes1k.py
"""
from typing import Optional

from avloc.registry import MODELS
from .base_localizer import BaseLocalizer


@MODELS.register_module()
class EZVSL(BaseLocalizer):
    """Projected audio-visual embeddings trained with the max-pooled
    multiple-instance contrastive head (:class:`MaxMILContrastiveHead`); at test
    time, optionally blended with an object prior (``object_encoder``, see
    :meth:`BaseLocalizer.test_maps`).

    Args: as :class:`BaseLocalizer`, with 512-d projections by default.
    """

    def __init__(self, visual_encoder: dict, audio_encoder: dict, head: dict,
                 embed_dim: Optional[int] = 512, **kwargs) -> None:
        super().__init__(visual_encoder, audio_encoder, head, embed_dim=embed_dim,
                         **kwargs)
