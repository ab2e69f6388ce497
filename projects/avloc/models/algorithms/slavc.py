"""SLAVC: "A Closer Look at Weakly-Supervised Audio-Visual Source Localization", Mo &
Morgado, NeurIPS 2022 (https://arxiv.org/abs/2209.09634; public code
github.com/stoneMo/SLAVC).

Train on VGG-Sound 144k, test on VGG-SS::

    python tools/train.py configs/slavc/slavc_r18_1xb128-20e_vggsound144k.py
"""
import copy
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from avloc.registry import MODELS
from avloc.structures import AVDataSample
from avloc.utils import force_float32
from ..heads.slavc_head import split_projections
from ..utils import AVEmbeddings
from .base_localizer import BaseLocalizer

#: The online modules that have a momentum copy, under the same names in
#: ``SLAVC.momentum``.
MOMENTUM_MODULES = ('visual_encoder', 'visual_proj', 'audio_encoder', 'audio_proj')
#: The object prior's fixed range in the public test.py (``obj_min, obj_max``).
OBJECT_PRIOR_RANGE = (0.0, 2.5)


class TwinProjection(nn.Module):
    """Two projections of the same input, each L2-normalised over dim 1 and
    concatenated there: (B, C, ...) -> (B, 2D, ...) (SLAVC's ``img_proj1`` /
    ``img_proj2`` or ``aud_proj1`` / ``aud_proj2``; see
    :func:`~avloc.models.heads.slavc_head.split_projections`)."""

    def __init__(self, proj1: nn.Module, proj2: nn.Module) -> None:
        super().__init__()
        self.proj1 = proj1
        self.proj2 = proj2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.normalize(self.proj1(x), dim=1),
                          F.normalize(self.proj2(x), dim=1)], dim=1)


@MODELS.register_module()
class SLAVC(BaseLocalizer):
    """EZ-VSL's encoders with two projections per modality, trained against
    momentum encoders (:class:`SLAVCHead`).

    The public ``model.py``:

    - visual: ResNet-18 to its 512 x 7 x 7 map, dropout (``dropout_img``, 0.9 in the
      training script), then two 1x1 convolutions (512 -> D); audio: ResNet-18 with
      a 1-channel stem and global max pooling, dropout (``dropout_aud``, 0), two
      linear layers; every projection L2-normalised. Here each pair is a
      :class:`TwinProjection` (``visual_proj`` / ``audio_proj``), so the
      embeddings are (B, 2D, h, w) and (B, 2D).
    - momentum copies of both encoders and all four projections (``momentum``, in
      the state dict, so a resumed run continues exactly), updated in every
      training step before they make the targets: ``p_m = m * p_m + (1 - m) * p``
      over the parameters only (their BatchNorm statistics are their own, from
      their own training-mode passes), with m = ``momentum_visual`` /
      ``momentum_audio`` (0.999 in the training script). The targets go through
      the same dropout as the online features.
    - the heatmap, ``(<v1, a1> + <v2, a2>) / 2`` of each frame with its audio; the
      public map is this divided by tau, which its test.py maps back with the
      fixed range ``(S + 1 / tau) / (2 / tau)``, i.e. ``(heatmap + 1) / 2``.
      ``use_mom_eval`` makes it (at evaluation) from the momentum encoders.
    - the test-time maps of test.py (:meth:`test_maps`): bicubic upsampling and,
      with an ``object_encoder``, the object prior blended on fixed ranges.

    Args:
        visual_encoder (dict): (B, 3, H, W) -> (B, 512, h, w).
        audio_encoder (dict): (B, 1, F, T) -> (B, 512).
        head (dict): ``dict(type='SLAVCHead', tau=...)``.
        embed_dim (int): D, each projection's output size. Defaults to 512.
        visual_dropout (float): Defaults to 0.9 (the training script's).
        audio_dropout (float): Defaults to 0.
        momentum_visual (float): m of the visual encoder and projections. Defaults
            to 0.999.
        momentum_audio (float): m of the audio encoder and projections. Defaults
            to 0.999.
        use_mom_eval (bool): Make the test-time maps and embeddings with the
            momentum encoders. The training script sets it (for its per-epoch
            validation); test.py's default, which the published test scripts keep,
            is False. Defaults to False.
        **kwargs: The rest of :class:`BaseLocalizer`'s arguments
            (``object_encoder``, ``gather_negatives``, ``test_cfg``, ...).
    """

    def __init__(self, visual_encoder: dict, audio_encoder: dict, head: dict,
                 embed_dim: int = 512, visual_dropout: float = 0.9,
                 audio_dropout: float = 0.0, momentum_visual: float = 0.999,
                 momentum_audio: float = 0.999, use_mom_eval: bool = False,
                 **kwargs) -> None:
        if embed_dim is None:
            raise ValueError('SLAVC needs its projections: set embed_dim (512 in the '
                             'public code)')
        super().__init__(visual_encoder, audio_encoder, head, embed_dim=embed_dim,
                         visual_dropout=visual_dropout, audio_dropout=audio_dropout,
                         **kwargs)
        self.momentum_visual = momentum_visual
        self.momentum_audio = momentum_audio
        self.use_mom_eval = use_mom_eval
        self.momentum = nn.ModuleDict(
            {name: copy.deepcopy(getattr(self, name)) for name in MOMENTUM_MODULES})
        self.momentum.requires_grad_(False)  # moved by the EMA, never by a gradient

    def visual_projection(self, embed_dim: int) -> nn.Module:
        """``img_proj1`` and ``img_proj2``: EZ-VSL's 1x1 convolution, twice."""
        return TwinProjection(super().visual_projection(embed_dim),
                              super().visual_projection(embed_dim))

    def audio_projection(self, embed_dim: int) -> nn.Module:
        """``aud_proj1`` and ``aud_proj2``: EZ-VSL's linear layer, twice."""
        return TwinProjection(super().audio_projection(embed_dim),
                              super().audio_projection(embed_dim))

    def init_weights(self) -> None:
        """Initialise (the pretrained visual encoder included), then start the
        momentum encoders as copies of the online ones."""
        super().init_weights()
        for name in MOMENTUM_MODULES:
            self.momentum[name].load_state_dict(getattr(self, name).state_dict())

    @torch.no_grad()
    def update_momentum_encoders(self) -> None:
        """One EMA step of every momentum parameter, as the public code writes it
        (``p_m * m + p * (1 - m)``, the same float operations)."""
        for name in MOMENTUM_MODULES:
            m = self.momentum_visual if name.startswith('visual') else self.momentum_audio
            for online, target in zip(getattr(self, name).parameters(),
                                      self.momentum[name].parameters()):
                target.mul_(m).add_(online * (1.0 - m))

    # -- embeddings and maps -------------------------------------------------------
    def _net(self, name: str, momentum: bool) -> nn.Module:
        """The online module ``name`` or its momentum copy."""
        return self.momentum[name] if momentum else getattr(self, name)

    def _embed_visual(self, imgs: torch.Tensor, momentum: bool) -> torch.Tensor:
        visual = self._net('visual_encoder', momentum)(imgs)
        return self._net('visual_proj', momentum)(self.visual_dropout(visual))

    def _embed_audio(self, spec: torch.Tensor, momentum: bool) -> torch.Tensor:
        audio = self._net('audio_encoder', momentum)(spec)
        return self._net('audio_proj', momentum)(self.audio_dropout(audio))

    def _evaluates_momentum(self) -> bool:
        return self.use_mom_eval and not self.training

    def embed_visual(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> (B, 2D, h, w): the online encoder's, or at evaluation with
        ``use_mom_eval`` the momentum encoder's."""
        return self._embed_visual(imgs, self._evaluates_momentum())

    def embed_audio(self, spec: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, 2D), online or momentum as :meth:`embed_visual`."""
        return self._embed_audio(spec, self._evaluates_momentum())

    @force_float32
    def heatmaps(self, visual: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """(B, 2D, h, w), (B, 2D) -> (B, 1, h, w): the mean of the two projections'
        cosines (the public ``Savl`` times tau)."""
        visual1, visual2 = split_projections(visual)
        audio1, audio2 = split_projections(audio)
        maps = (torch.einsum('nchw,nc->nhw', visual1, audio1) +
                torch.einsum('nchw,nc->nhw', visual2, audio2)) / 2
        return maps[:, None]

    def test_maps(self, heatmaps: torch.Tensor, imgs: torch.Tensor,
                  prior: Optional[torch.Tensor] = None) -> torch.Tensor:
        """SLAVC's test.py maps, at the input's resolution: the heatmap A resized
        bicubically (corners aligned) and, with an object encoder, blended with the
        object prior O (resized the same way) on fixed ranges, not per-map min-max
        as EZ-VSL's: ``alpha * (A + 1) / 2 + (1 - alpha) * O / 2.5`` with
        ``alpha = test_cfg.ogl_alpha`` (0.9 in the public test scripts). The blend
        is returned as ``2 * blend - 1``, on A's [-1, 1] scale, so the extended
        protocol's confidence (:func:`~avloc.evaluation.functional.confidence_score`,
        ``(top-25% mean + 1) / 2``) is the public ``conf_av_obj`` and the min-max
        of the relative prediction is unchanged. ``prior``: as
        :meth:`BaseLocalizer.test_maps`."""
        size = imgs.shape[-2:]
        av = F.interpolate(heatmaps, size=size, mode='bicubic', align_corners=True)
        if self.object_encoder is None:
            return av
        prior = self.object_prior(imgs) if prior is None else prior
        obj = F.interpolate(prior, size=size, mode='bicubic', align_corners=True)
        low, high = OBJECT_PRIOR_RANGE
        alpha = self.test_cfg['ogl_alpha']
        blend = alpha * (av + 1) / 2 + (1 - alpha) * (obj - low) / (high - low)
        return 2 * blend - 1

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: List[AVDataSample]) -> Dict[str, torch.Tensor]:
        """The head's loss on view 0: online features, then (in training) the EMA
        step, then the momentum encoders' targets, in the public order (it
        matters to the dropout's random draws)."""
        imgs, spec = inputs['imgs'][:, 0], inputs['spec']
        visual = self._embed_visual(imgs, momentum=False)
        audio = self._embed_audio(spec, momentum=False)
        visual_target, audio_target = self.targets(imgs, spec)
        return self.head.loss(AVEmbeddings(visual, audio, visual_target, audio_target,
                                           across_ranks=self.gather_negatives))

    @torch.no_grad()
    def targets(self, imgs: torch.Tensor,
                spec: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The momentum encoders' (B, 2D, h, w) and (B, 2D), after their EMA step
        when training."""
        if self.training:
            self.update_momentum_encoders()
        return self._embed_visual(imgs, momentum=True), self._embed_audio(spec, momentum=True)
