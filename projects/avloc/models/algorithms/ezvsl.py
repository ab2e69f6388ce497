"""EZ-VSL: "Localizing Visual Sounds the Easy Way", Mo & Morgado, ECCV 2022
(https://arxiv.org/abs/2203.09324).

Train on the embedded benchmark::

    python tools/train.py configs/ezvsl/ezvsl_r18_1xb16-2e_avshapes1k.py
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from avloc.registry import MODELS
from avloc.structures import AVDataSample
from ..utils import attach_predictions, checked_test_cfg, cosine_heatmaps, paired_heatmaps


def _min_max(maps: torch.Tensor) -> torch.Tensor:
    """Scale each (1, H, W) map of a (B, 1, H, W) batch to [0, 1]."""
    low = maps.amin((2, 3), keepdim=True)
    high = maps.amax((2, 3), keepdim=True)
    return (maps - low) / (high - low).clamp_min(1e-12)


@MODELS.register_module()
class EZVSL(BaseModel):
    """Projected audio-visual embeddings trained with a max-pooled multiple-instance
    contrastive loss; at test time, optionally blended with an object prior.

    The object-guided localisation (OGL) prior is the channel mean of the absolute
    features of a separate visual backbone (ImageNet-pretrained in the paper,
    frozen); the prediction is ``minmax(alpha * minmax(A) + (1 - alpha) *
    minmax(O))`` after bilinearly resizing both maps to the input frame.

    Args:
        visual_encoder (dict): (B, 3, H, W) -> (B, C, h, w).
        audio_encoder (dict): (B, 1, F, T) -> (B, C).
        loss (dict): :class:`MaxMILContrastiveLoss`.
        embed_dim (int): Output of the projections (1x1 conv for the visual map,
            linear for the audio). Defaults to 512.
        object_encoder (dict, optional): The OGL backbone, (B, 3, H, W) ->
            (B, C', h', w'); give it pretrained weights through its ``init_cfg``.
            It is frozen. None predicts from the audio-visual map alone.
            Defaults to None.
        data_preprocessor (dict, optional): Defaults to None.
        test_cfg (dict, optional): ``ogl_alpha`` (EZ-VSL's 0.4) and
            ``visual_pooling`` (see :class:`SSLTIE`); the other-audio control is
            predicted as for :class:`SSLTIE`.
            Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self, visual_encoder: dict, audio_encoder: dict, loss: dict,
                 embed_dim: int = 512, object_encoder: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.visual_encoder = MODELS.build(visual_encoder)
        self.audio_encoder = MODELS.build(audio_encoder)
        self.visual_proj = nn.Conv2d(512, embed_dim, kernel_size=1)
        self.audio_proj = nn.Linear(512, embed_dim)
        nn.init.kaiming_normal_(self.visual_proj.weight, mode='fan_out',
                                nonlinearity='relu')
        nn.init.trunc_normal_(self.audio_proj.weight, std=0.01)
        self.loss_module = MODELS.build(loss)
        self.object_encoder = MODELS.build(object_encoder) if object_encoder else None
        if self.object_encoder is not None:
            self.object_encoder.requires_grad_(False)
        self.test_cfg = {'ogl_alpha': 0.4, **checked_test_cfg(test_cfg)}

    def train(self, mode: bool = True) -> 'EZVSL':
        super().train(mode)
        if self.object_encoder is not None:
            self.object_encoder.eval()  # frozen, BN statistics included
        return self

    def embed(self, imgs: torch.Tensor, spec: torch.Tensor) -> tuple:
        """(B, 3, H, W), (B, 1, F, T) -> projected (B, D, h, w) and (B, D)."""
        return (self.visual_proj(self.visual_encoder(imgs)),
                self.audio_proj(self.audio_encoder(spec)))

    def forward(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[AVDataSample]] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        """``inputs``: ``imgs`` (B, V, 3, H, W), the first view is used, and ``spec``
        (B, 1, F, T)."""
        if mode == 'loss':
            visual, audio = self.embed(inputs['imgs'][:, 0], inputs['spec'])
            return dict(loss_mil=self.loss_module(cosine_heatmaps(visual, audio)))
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return paired_heatmaps(*self.embed(inputs['imgs'][:, 0], inputs['spec']))
        raise ValueError(f'Invalid mode {mode!r}')

    def object_prior(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> (B, 1, h', w') mean absolute activation of the OGL backbone,
        in float32 (the min-max scaling's 1e-12 floor underflows in float16)."""
        return self.object_encoder(imgs).float().abs().mean(1, keepdim=True)

    def _with_object_prior(self, heatmaps: torch.Tensor, imgs: torch.Tensor) -> torch.Tensor:
        size = imgs.shape[-2:]
        av = F.interpolate(heatmaps, size=size, mode='bilinear', align_corners=True)
        obj = F.interpolate(self.object_prior(imgs), size=size, mode='bilinear',
                            align_corners=True)
        alpha = self.test_cfg['ogl_alpha']
        return _min_max(alpha * _min_max(av) + (1 - alpha) * _min_max(obj))

    @torch.no_grad()
    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: List[AVDataSample]) -> List[AVDataSample]:
        """Heatmaps (with OGL when configured, at the input's resolution), embeddings
        and optionally the other-audio control."""
        imgs = inputs['imgs'][:, 0]
        visual, audio = self.embed(imgs, inputs['spec'])
        heatmaps = paired_heatmaps(visual, audio)
        others = None
        if 'other_spec' in inputs:
            others = paired_heatmaps(visual, self.audio_proj(self.audio_encoder(
                inputs['other_spec'])))
        if self.object_encoder is not None:
            heatmaps = self._with_object_prior(heatmaps, imgs)
            if others is not None:
                others = self._with_object_prior(others, imgs)
        return attach_predictions(data_samples, heatmaps, visual, audio, others,
                                  self.test_cfg.get('visual_pooling', 'avg'))
