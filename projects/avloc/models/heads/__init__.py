"""Heads: each method's training objective on a batch's :class:`AVEmbeddings`, with one
signature, ``loss(embeddings) -> dict`` of named losses."""
from .fnac_head import FNACHead
from .localization_contrastive_head import LocalizationContrastiveHead
from .max_mil_contrastive_head import MaxMILContrastiveHead
from .slavc_head import SLAVCHead

__all__ = ['FNACHead', 'LocalizationContrastiveHead', 'MaxMILContrastiveHead', 'SLAVCHead']
