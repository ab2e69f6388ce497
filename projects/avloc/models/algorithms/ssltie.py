"""SSL-TIE: "Exploiting Transformation Invariance and Equivariance for Self-supervised
Sound Localisation", Liu et al., ACM MM 2022 (https://arxiv.org/abs/2206.12772).

Train on the embedded benchmark::

    python tools/train.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py
"""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel

from avloc.registry import MODELS
from avloc.structures import AVDataSample
from avloc.utils import force_float32
from ..utils import (attach_predictions, checked_test_cfg, cosine_heatmaps, gather_across_ranks,
                     paired_heatmaps)


@MODELS.register_module()
class SSLTIE(BaseModel):
    """Audio-visual localisation by contrast, invariance and equivariance.

    Every view of the frame is contrasted with the clip's audio (the LVS loss); the
    heatmaps of two geometrically different views must agree once view 1's is
    warped into view 2 (the equivariance loss: by the on-device transform that made
    view 2, or by the homographies the pipeline recorded). The total loss is
    ``mean_v L_cl(view v) + lambda_geo * MSE(A_2, T(A_1))``.

    Args:
        visual_encoder (dict): (B, 3, H, W) -> (B, C, h, w).
        audio_encoder (dict): (B, 1, F, T) -> (B, C).
        contrastive_loss (dict): The localisation contrastive loss.
        equivariance_loss (dict, optional): Applied between the first two views.
            Defaults to None.
        view_transform (dict, optional): Makes the second view on the model's
            device from the pipeline's single view (the public code's way, e.g.
            :class:`RandomEquivarianceTransform`); None takes the views the data
            pipeline made. Defaults to None.
        joint_view_pass (bool): Encode views of the same size in one visual
            encoder pass (one BatchNorm batch over both views; faster). The public
            code runs one pass per view, each with its own batch statistics in
            training. Defaults to False.
        gather_negatives (bool): In a distributed run, contrast each frame with the
            audios of every rank's batch (W * B - 1 negatives) instead of its own
            rank's (B - 1), so that W ranks at batch B train as one process at
            W * B (BatchNorm statistics aside). The public code, on one machine
            with DataParallel, contrasted within each GPU's batch. Defaults to
            False.
        data_preprocessor (dict, optional): Defaults to None.
        test_cfg (dict, optional): ``visual_pooling`` ('avg' or 'max') pools the
            visual embedding used for retrieval. Defaults to None.

    A test batch that carries ``other_spec`` (the partner clips' audio, see
    :class:`avloc.datasets.OtherAudioMixin`) also gets each frame's heatmap with its
    partner's audio: a control that must score low.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self, visual_encoder: dict, audio_encoder: dict, contrastive_loss: dict,
                 equivariance_loss: Optional[dict] = None,
                 view_transform: Optional[dict] = None, joint_view_pass: bool = False,
                 gather_negatives: bool = False, data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.visual_encoder = MODELS.build(visual_encoder)
        self.audio_encoder = MODELS.build(audio_encoder)
        self.contrastive_loss = MODELS.build(contrastive_loss)
        self.equivariance_loss = MODELS.build(equivariance_loss) if equivariance_loss else None
        self.view_transform = MODELS.build(view_transform) if view_transform else None
        self.joint_view_pass = joint_view_pass
        self.gather_negatives = gather_negatives
        self.test_cfg = checked_test_cfg(test_cfg)

    def forward(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[AVDataSample]] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        """``inputs``: ``imgs`` (B, V, 3, H, W) and ``spec`` (B, 1, F, T)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            visual = self.visual_encoder(inputs['imgs'][:, 0])
            return paired_heatmaps(visual, self.audio_encoder(inputs['spec']))
        raise ValueError(f'Invalid mode {mode!r}')

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: List[AVDataSample]) -> Dict[str, torch.Tensor]:
        audio = self.audio_encoder(inputs['spec'])
        views, matrices, valids, view_warp = self._views(inputs['imgs'], data_samples)
        visual = self._encode_views(views)
        candidates, offset = (gather_across_ranks(audio) if self.gather_negatives
                              else (audio, 0))  # (K, C); own audios at offset..
        heatmaps, loss_cl = [], 0.0
        for feature_map in visual:
            cross = cosine_heatmaps(feature_map, candidates)  # (B, K, h, w)
            loss_cl = loss_cl + self.contrastive_loss(cross, offset)
            own = cross[:, offset:offset + len(audio)]  # (B, B, h, w)
            heatmaps.append(torch.diagonal(own).permute(2, 0, 1)[:, None])  # (B, 1, h, w)
        losses = dict(loss_cl=loss_cl / len(views))
        if self.equivariance_loss is not None and len(views) > 1:
            losses['loss_equiv'] = self.equivariance_loss(
                heatmaps[0], heatmaps[1], matrices[0], matrices[1], valids[0], valids[1],
                view_warp)
        return losses

    @force_float32  # homographies: their products would be float16 under autocast
    def _views(self, imgs: torch.Tensor, data_samples: List[AVDataSample]) -> tuple:
        """The views to contrast: (B, 3, H, W) frames, (B, 3, 3) decoded-frame-to-view
        homographies and (B, 1, H, W) valid masks, one of each per view, and the
        on-device transform that made view 2 (None for pipeline views)."""
        matrices = torch.stack([s.homography_matrices for s in data_samples])  # (B, V, 3, 3)
        valids = torch.stack([s.valid_masks for s in data_samples])  # (B, V, H, W)
        views = [imgs[:, v] for v in range(imgs.shape[1])]
        matrices = [matrices[:, v] for v in range(len(views))]
        valids = [valids[:, v:v + 1] for v in range(len(views))]
        view_warp = None
        if self.view_transform is not None:
            if len(views) != 1:
                raise ValueError('view_transform makes the second view itself: the data '
                                 f'pipeline must give one view per clip, not {len(views)}')
            view2, view_warp, valid2 = self.view_transform(views[0], valids[0])
            views.append(view2)
            matrices.append(view_warp.homography() @ matrices[0])
            valids.append(valid2)
        return views, matrices, valids, view_warp

    def _encode_views(self, views: List[torch.Tensor]) -> List[torch.Tensor]:
        """Visual feature maps (B, C, h, w) per view: one encoder pass per view, or
        one pass over all views when ``joint_view_pass`` and they share a size."""
        if not self.joint_view_pass or len({tuple(v.shape) for v in views}) > 1:
            return [self.visual_encoder(v) for v in views]
        return list(self.visual_encoder(torch.cat(views)).chunk(len(views)))

    @torch.no_grad()
    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: List[AVDataSample]) -> List[AVDataSample]:
        """Heatmap of the first view, embeddings, and the other-audio control when
        the batch carries the partners' audio."""
        visual = self.visual_encoder(inputs['imgs'][:, 0])  # (B, C, h, w)
        audio = self.audio_encoder(inputs['spec'])  # (B, C)
        heatmaps = paired_heatmaps(visual, audio)
        others = None
        if 'other_spec' in inputs:
            others = paired_heatmaps(visual, self.audio_encoder(inputs['other_spec']))
        return attach_predictions(data_samples, heatmaps, visual, audio, others,
                                  self.test_cfg.get('visual_pooling', 'avg'))
