"""SSL-TIE: "Exploiting Transformation Invariance and Equivariance for Self-supervised
Sound Localisation", Liu et al., ACM MM 2022 (https://arxiv.org/abs/2206.12772).

Train on the embedded benchmark::

    python tools/train.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py
"""
from typing import Dict, List, Optional

import torch

from avloc.registry import MODELS
from avloc.structures import AVDataSample
from avloc.utils import force_float32
from ..utils import AVEmbeddings, paired_heatmaps
from .lvs import LVS


@MODELS.register_module()
class SSLTIE(LVS):
    """Audio-visual localisation by contrast, invariance and equivariance.

    Extends :class:`LVS`: every view of the frame is contrasted with the clip's
    audio by the head (LVS's loss); the heatmaps of two geometrically different
    views must agree once view 1's is warped into view 2 (the equivariance loss:
    by the on-device transform that made view 2, or by the homographies the
    pipeline recorded). The total loss is
    ``mean_v L_cl(view v) + lambda_geo * MSE(A_2, T(A_1))``.

    Args:
        visual_encoder (dict): (B, 3, H, W) -> (B, C, h, w).
        audio_encoder (dict): (B, 1, F, T) -> (B, C).
        head (dict): The localisation contrastive head.
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
        **kwargs: The rest of :class:`BaseLocalizer`'s arguments
            (``gather_negatives``, ``test_cfg``, ...).
    """

    def __init__(self, visual_encoder: dict, audio_encoder: dict, head: dict,
                 equivariance_loss: Optional[dict] = None,
                 view_transform: Optional[dict] = None, joint_view_pass: bool = False,
                 **kwargs) -> None:
        super().__init__(visual_encoder, audio_encoder, head, **kwargs)
        self.equivariance_loss = MODELS.build(equivariance_loss) if equivariance_loss else None
        self.view_transform = MODELS.build(view_transform) if view_transform else None
        self.joint_view_pass = joint_view_pass

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: List[AVDataSample]) -> Dict[str, torch.Tensor]:
        """The head's loss averaged over the views, and the equivariance loss
        between views 1 and 2."""
        audio = self.embed_audio(inputs['spec'])
        views, matrices, valids, view_warp = self._views(inputs['imgs'], data_samples)
        heatmaps, losses = [], {}
        for visual in self._encode_views(views):
            for name, value in self.head.loss(AVEmbeddings(
                    visual, audio, across_ranks=self.gather_negatives)).items():
                losses[name] = losses.get(name, 0.0) + value / len(views)
            heatmaps.append(paired_heatmaps(visual, audio))  # (B, 1, h, w)
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
            return [self.embed_visual(v) for v in views]
        return list(self.embed_visual(torch.cat(views)).chunk(len(views)))
