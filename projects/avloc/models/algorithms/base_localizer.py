"""The contract every sound-source localiser in avloc follows.

A method is one algorithm (a subclass of :class:`BaseLocalizer`, usually only its
docstring and defaults, or an ``embed`` / ``loss`` of its own), one head (its
training objective, ``models/heads/``) and one config. ``docs/new_method.md`` walks
through adding one.
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from avloc.registry import MODELS
from avloc.structures import AUDIO_CONTROLS, AVDataSample
from ..utils import AVEmbeddings, attach_predictions, min_max, paired_heatmaps

#: ``test_cfg.heatmap_resize`` -> the ``F.interpolate`` arguments that bring the
#: audio-visual map to the input's size in :meth:`BaseLocalizer.test_maps`.
#: 'bilinear' (corners aligned) is EZ-VSL's test.py and FNAC's test.py's
#: ``validate``; without an object prior such a map is left at its own size, for
#: the metric's protocol to resize. 'bicubic' is FNAC's ``train.py`` and its
#: test.py's ``validate2``: the map is always resized, bicubically.
HEATMAP_RESIZE = {'bilinear': dict(mode='bilinear', align_corners=True),
                  'bicubic': dict(mode='bicubic', align_corners=False)}


@MODELS.register_module()
class BaseLocalizer(BaseModel):
    """Audio-visual localisation by comparing a frame's feature map with its audio.

    The contract:

    - ``embed(imgs, spec)``: (B, 3, H, W), (B, 1, F, T) -> visual maps (B, D, h, w)
      and audio embeddings (B, D), each method's projections included;
      ``embed_visual`` and ``embed_audio`` make each alone (the audio-mixing hook
      embeds the training audios with ``embed_audio``).
    - ``heatmaps(visual, audio)``: -> (B, 1, h, w) map of each frame with its audio
      (cosine similarity unless a method defines its own).
    - ``forward(inputs, data_samples, mode)``: ``inputs`` holds ``imgs`` (B, V, 3,
      H, W) and ``spec`` (B, 1, F, T). ``mode='tensor'`` returns the heatmaps of
      view 0; ``'loss'`` the head's losses; ``'predict'`` the data samples with the
      test-time maps, the controls and the retrieval embeddings.
    - ``loss``: by default the head's loss on view 0's :class:`AVEmbeddings`;
      negatives are gathered across ranks with ``gather_negatives``, for every
      head through :meth:`AVEmbeddings.negatives`.
    - ``test_maps(heatmaps, imgs)``: the maps a method's evaluation scores; with an
      ``object_encoder``, blended with its object prior (object-guided
      localisation, OGL, as EZ-VSL, SLAVC and FNAC report it).

    Args:
        visual_encoder (dict): (B, 3, H, W) -> (B, C, h, w); its ``out_channels``
            sizes the projection.
        audio_encoder (dict): (B, 1, F, T) -> (B, C).
        head (dict): The training objective (``models/heads/``).
        embed_dim (int, optional): Output size of the projections (a 1x1
            convolution on the visual map, a linear layer on the audio embedding,
            as EZ-VSL, SLAVC and FNAC have). None compares the encoders' outputs
            directly (LVS, SSL-TIE). Defaults to None.
        visual_dropout (float): Dropout on the visual map before its projection
            (SLAVC's and FNAC's ``dropout_img``). Defaults to 0.
        audio_dropout (float): Dropout on the audio embedding before its
            projection. Defaults to 0.
        object_encoder (dict, optional): The frozen OGL backbone, (B, 3, H, W) ->
            (B, C', h', w'); give it pretrained weights through its ``init_cfg``.
            None predicts from the audio-visual map alone. Defaults to None.
        gather_negatives (bool): In a distributed run, contrast each clip with the
            clips of every rank's batch (W * B - 1 negatives) instead of its own
            rank's (B - 1), so that W ranks at batch B train as one process at
            W * B (BatchNorm statistics aside). The public codes contrast within
            each GPU's batch. Defaults to False.
        data_preprocessor (dict, optional): Defaults to None.
        test_cfg (dict, optional): ``visual_pooling`` ('avg' or 'max') pools the
            visual embedding used for retrieval; ``ogl_alpha`` weighs the
            audio-visual map against the object prior (EZ-VSL's 0.4);
            ``heatmap_resize`` is how :meth:`test_maps` brings the audio-visual map
            to the input's size (see :data:`HEATMAP_RESIZE`). Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    #: The keys ``test_cfg`` may hold (a misspelt key is an error, not a no-op).
    TEST_CFG_KEYS = ('visual_pooling', 'ogl_alpha', 'heatmap_resize')

    def __init__(self, visual_encoder: dict, audio_encoder: dict, head: dict,
                 embed_dim: Optional[int] = None, visual_dropout: float = 0.0,
                 audio_dropout: float = 0.0, object_encoder: Optional[dict] = None,
                 gather_negatives: bool = False, data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.visual_encoder = MODELS.build(visual_encoder)
        self.audio_encoder = MODELS.build(audio_encoder)
        self.visual_dropout = nn.Dropout(visual_dropout)
        self.audio_dropout = nn.Dropout(audio_dropout)
        self.visual_proj = self.audio_proj = None
        if embed_dim is not None:
            self.visual_proj = self.visual_projection(embed_dim)
            self.audio_proj = self.audio_projection(embed_dim)
        self.head = MODELS.build(head)
        self.object_encoder = MODELS.build(object_encoder) if object_encoder else None
        if self.object_encoder is not None:
            self.object_encoder.requires_grad_(False)
        self.gather_negatives = gather_negatives
        self.test_cfg = dict(test_cfg or {})
        unknown = set(self.test_cfg) - set(self.TEST_CFG_KEYS)
        if unknown:
            raise ValueError(f'{type(self).__name__}: unknown test_cfg keys '
                             f'{sorted(unknown)}; expected some of {self.TEST_CFG_KEYS}')
        self.test_cfg.setdefault('ogl_alpha', 0.4)
        self.test_cfg.setdefault('heatmap_resize', 'bilinear')
        if self.test_cfg['heatmap_resize'] not in HEATMAP_RESIZE:
            raise ValueError(f"test_cfg.heatmap_resize must be one of "
                             f"{sorted(HEATMAP_RESIZE)}, got "
                             f"{self.test_cfg['heatmap_resize']!r}")

    def visual_projection(self, embed_dim: int) -> nn.Module:
        """EZ-VSL's visual projection: a 1x1 convolution, Kaiming-initialised."""
        proj = nn.Conv2d(self.visual_encoder.out_channels, embed_dim, kernel_size=1)
        nn.init.kaiming_normal_(proj.weight, mode='fan_out', nonlinearity='relu')
        return proj

    def audio_projection(self, embed_dim: int) -> nn.Module:
        """EZ-VSL's audio projection: a linear layer, truncated-normal (std 0.01)."""
        proj = nn.Linear(self.audio_encoder.out_channels, embed_dim)
        nn.init.trunc_normal_(proj.weight, std=0.01)
        return proj

    def train(self, mode: bool = True) -> 'BaseLocalizer':
        super().train(mode)
        if self.object_encoder is not None:
            self.object_encoder.eval()  # frozen, BatchNorm statistics included
        return self

    # -- embeddings and maps -------------------------------------------------------
    def embed_visual(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> (B, D, h, w) visual maps."""
        visual = self.visual_encoder(imgs)
        if self.visual_proj is None:
            return visual
        return self.visual_proj(self.visual_dropout(visual))

    def embed_audio(self, spec: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, D) audio embeddings."""
        audio = self.audio_encoder(spec)
        if self.audio_proj is None:
            return audio
        return self.audio_proj(self.audio_dropout(audio))

    def embed(self, imgs: torch.Tensor,
              spec: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(B, 3, H, W), (B, 1, F, T) -> (B, D, h, w) visual maps, (B, D) audio."""
        return self.embed_visual(imgs), self.embed_audio(spec)

    def heatmaps(self, visual: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """(B, D, h, w), (B, D) -> (B, 1, h, w) cosine of each frame with its audio."""
        return paired_heatmaps(visual, audio)

    def object_prior(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> (B, 1, h', w') mean absolute activation of the OGL
        backbone, in float32 (the min-max scaling's 1e-12 floor underflows in
        float16)."""
        return self.object_encoder(imgs).float().abs().mean(1, keepdim=True)

    def test_maps(self, heatmaps: torch.Tensor, imgs: torch.Tensor,
                  prior: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The maps evaluation scores: the heatmaps themselves or, with an object
        encoder, EZ-VSL's blend at the input's resolution, ``minmax(alpha *
        minmax(A) + (1 - alpha) * minmax(O))`` (the object map resized bilinearly,
        A as ``test_cfg.heatmap_resize`` says, bilinearly by default).

        ``prior`` is :meth:`object_prior` of ``imgs`` when the caller has it (one
        pass of the object encoder serves a frame's every map); None computes it."""
        resize = self.test_cfg['heatmap_resize']
        if self.object_encoder is None and resize == 'bilinear':
            return heatmaps
        size = imgs.shape[-2:]
        av = F.interpolate(heatmaps, size=size, **HEATMAP_RESIZE[resize])
        if self.object_encoder is None:
            return av
        prior = self.object_prior(imgs) if prior is None else prior
        obj = F.interpolate(prior, size=size, mode='bilinear', align_corners=True)
        alpha = self.test_cfg['ogl_alpha']
        return min_max(alpha * min_max(av) + (1 - alpha) * min_max(obj))

    # -- the three modes -----------------------------------------------------------
    def forward(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[AVDataSample]] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        """``inputs``: ``imgs`` (B, V, 3, H, W) and ``spec`` (B, 1, F, T)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.heatmaps(*self.embed(inputs['imgs'][:, 0], inputs['spec']))
        raise ValueError(f"Invalid mode {mode!r}: expected 'loss', 'predict' or 'tensor'")

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: List[AVDataSample]) -> Dict[str, torch.Tensor]:
        """The head's losses on view 0."""
        visual, audio = self.embed(inputs['imgs'][:, 0], inputs['spec'])
        return self.head.loss(AVEmbeddings(visual, audio,
                                           across_ranks=self.gather_negatives))

    @torch.no_grad()
    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: List[AVDataSample]) -> List[AVDataSample]:
        """View 0's test-time map, the controls the batch carries (each the same
        frame with another input in place of its audio) and the embeddings."""
        imgs = inputs['imgs'][:, 0]
        visual, audio = self.embed(imgs, inputs['spec'])
        prior = self.object_prior(imgs) if self.object_encoder is not None else None
        heatmaps = self.test_maps(self.heatmaps(visual, audio), imgs, prior)
        controls = {control.field: self.test_maps(
            self.heatmaps(visual, self.embed_audio(inputs[control.prefix + 'spec'])),
            imgs, prior)
            for control in AUDIO_CONTROLS if control.prefix + 'spec' in inputs}
        return attach_predictions(data_samples, heatmaps, visual, audio, controls,
                                  self.test_cfg.get('visual_pooling', 'avg'))
