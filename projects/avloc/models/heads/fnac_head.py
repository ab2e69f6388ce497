"""FNAC's false-negative-aware contrastive head (Sun et al., "Learning Audio-Visual
Source Localization via False Negative Aware Contrastive Learning", CVPR 2023,
https://arxiv.org/abs/2303.11302; public code github.com/OpenNLPLab/FNAC_AVL,
``model.py`` ``FNAC.calculate_loss`` and ``train.py``)."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

from avloc.registry import MODELS
from avloc.utils import force_float32
from ..utils import AVEmbeddings, cosine_heatmaps
from .max_mil_contrastive_head import MaxMILContrastiveHead


def _adjacency(rows: torch.Tensor, columns: torch.Tensor, tau: float) -> torch.Tensor:
    """Row-softmax of the (B, K) similarities ``rows @ columns.T / tau``."""
    return torch.softmax(rows @ columns.t() / tau, dim=1)


@MODELS.register_module()
class FNACHead(MaxMILContrastiveHead):
    """EZ-VSL's max-pooled contrastive loss plus FNAC's three L1 terms, each pulling
    the cross-modal similarities of a batch towards an intra-modal one.

    With ``v`` the L2-normalised visual maps (B, D, h, w), ``a`` the normalised
    audios (B, D) and ``S[n, k] = max_hw <v_n, a_k> / tau`` (EZ-VSL's logits):

    - ``loss_mil``: ``CE(S) + CE(S.T)`` (:class:`MaxMILContrastiveHead`).
    - ``loss_fns_audio`` (the public code's FNS-1): ``L1(softmax(a a^T / tau),
      softmax(S))``; clips whose audios sound alike are not pushed apart.
    - ``loss_tns`` (TNS): ``L1(softmax(a a^T / tau), softmax(f f^T / tau))`` with
      ``f_n`` the mean over all h * w cells of ``v_n`` masked to the cells where image
      n's own map, min-max scaled (``(m - min) / (max - min + 1e-5)`` on ``<v_n, a_n>
      / tau``), exceeds ``fg_threshold``: the sounding region's feature.
    - ``loss_fns_visual`` (FNS-2): ``L1(softmax(p p^T / tau), softmax(S))`` with
      ``p_n`` the spatial mean of ``v_n``.

    L1 is the mean absolute difference over the B x K entries. The mask is a hard
    threshold, so no gradient flows through it. With negatives gathered across
    ranks, each row compares this rank's clips with every rank's (K = W * B), and
    the visual maps, audios and foreground features are gathered for it.

    During the first ``warmup_epochs`` epochs only ``loss_mil`` is returned (the
    public ``train.py``, ``--warmup 5``). The epoch is the one MMEngine's runner
    publishes (``RuntimeInfoHook``, a default hook of every runner, writes it to the
    message hub before each training epoch, the resumed one included); outside a
    runner there is none and every term is returned.

    Args:
        tau (float): Temperature of every similarity. Defaults to 0.03.
        fg_threshold (float): Foreground cut on the min-max scaled own map (the
            public ``high_conf_thresh``). Defaults to 0.6.
        fns_audio_weight (float): Weight of ``loss_fns_audio``. Defaults to 100.
        tns_weight (float): Weight of ``loss_tns``. Defaults to 100.
        fns_visual_weight (float): Weight of ``loss_fns_visual``. Defaults to 100.
        warmup_epochs (int): Epochs trained on ``loss_mil`` alone; 0 adds the FNAC
            terms from the start. Defaults to 0 (the configs set the public 5).
        loss_weight (float): Weight of ``loss_mil``. Defaults to 1.0.
    """

    def __init__(self, tau: float = 0.03, fg_threshold: float = 0.6,
                 fns_audio_weight: float = 100.0, tns_weight: float = 100.0,
                 fns_visual_weight: float = 100.0, warmup_epochs: int = 0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(tau=tau, loss_weight=loss_weight)
        self.fg_threshold = fg_threshold
        self.fns_audio_weight = fns_audio_weight
        self.tns_weight = tns_weight
        self.fns_visual_weight = fns_visual_weight
        self.warmup_epochs = warmup_epochs

    def in_warmup(self) -> bool:
        """Whether this (0-based) training epoch trains on ``loss_mil`` alone."""
        if self.warmup_epochs <= 0:
            return False
        epoch: Optional[int] = MessageHub.get_current_instance().get_info('epoch')
        return epoch is not None and epoch < self.warmup_epochs

    def foreground_features(self, visual: torch.Tensor,
                            own_maps: torch.Tensor) -> torch.Tensor:
        """(B, D, h, w) normalised maps, (B, h, w) own logits maps -> (B, D): each
        map's cells above ``fg_threshold`` after min-max scaling, averaged over all
        h * w cells (the public code's mean of the masked map)."""
        low = own_maps.amin((1, 2), keepdim=True)
        high = own_maps.amax((1, 2), keepdim=True)
        scaled = (own_maps - low) / (high - low + 1e-5)
        return (visual * (scaled > self.fg_threshold).unsqueeze(1)).flatten(2).mean(2)

    def loss(self, embeddings: AVEmbeddings) -> Dict[str, torch.Tensor]:
        """``loss_mil`` and, after the warm-up, ``loss_fns_audio``, ``loss_tns`` and
        ``loss_fns_visual`` (weighted). In float32 under autocast: the logits reach
        1 / tau and the softmaxes of the L1 terms are as sharp."""
        return self._losses(embeddings.visual, embeddings.audio, embeddings)

    @force_float32
    def _losses(self, visual: torch.Tensor, audio: torch.Tensor,
                embeddings: AVEmbeddings) -> Dict[str, torch.Tensor]:
        """See :meth:`loss`; ``visual`` and ``audio`` are ``embeddings``' own, in
        float32 (the gathered rows come through ``embeddings.negatives``)."""
        visual = F.normalize(visual, dim=1)  # (B, D, h, w)
        audio = F.normalize(audio, dim=1)  # (B, D)
        all_audio, offset = embeddings.negatives(audio)  # (K, D)
        all_visual, _ = embeddings.negatives(visual)  # (K, D, h, w)
        b = len(audio)
        rows = torch.arange(b, device=audio.device)
        target = rows + offset
        cross = cosine_heatmaps(visual, all_audio)  # (B, K, h, w)
        image_to_audio = self.logits(cross)  # (B, K)
        if embeddings.across_ranks:  # each own audio against every rank's images
            audio_to_image = self.logits(cosine_heatmaps(all_visual, audio)).t()
        else:  # K = B: the same maps, transposed
            audio_to_image = image_to_audio.t()
        losses = dict(loss_mil=self.loss_weight * (
            F.cross_entropy(image_to_audio, target) +
            F.cross_entropy(audio_to_image, target)))
        if self.in_warmup():
            return losses

        own_maps = cross[rows, target] / self.tau  # (B, h, w), the public Slogits
        foreground = self.foreground_features(visual, own_maps)  # (B, D)
        all_foreground, _ = embeddings.negatives(foreground)
        pooled = visual.mean((2, 3))  # (B, D)
        all_pooled, _ = embeddings.negatives(pooled)
        audio_adjacency = _adjacency(audio, all_audio, self.tau)  # (B, K)
        cross_adjacency = torch.softmax(image_to_audio, dim=1)
        losses.update(
            loss_fns_audio=self.fns_audio_weight * F.l1_loss(audio_adjacency,
                                                             cross_adjacency),
            loss_tns=self.tns_weight * F.l1_loss(
                audio_adjacency, _adjacency(foreground, all_foreground, self.tau)),
            loss_fns_visual=self.fns_visual_weight * F.l1_loss(
                _adjacency(pooled, all_pooled, self.tau), cross_adjacency))
        return losses
