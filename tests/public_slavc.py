"""A transcription of the public SLAVC code (github.com/stoneMo/SLAVC at 05b429c) for
parity tests, written from its sources and independent of avloc's modules:

- ``model.py``: ``SLAVC`` (its encoders, dropouts, two projections per modality,
  momentum copies updated in ``forward(mode='train')``, the loss and ``Savl``),
  with torchvision's ResNet-18 built without downloading (``weights=None`` where
  the public code asks for ``pretrained=True``: the tests set the weights);
- ``test.py``: the object saliency ResNet-18 (``NormReducer`` over channels) and
  ``validate``'s per-clip scores (bicubic upsampling with corners aligned, the fixed
  ranges, the alpha blend, the top-25% confidence).
"""
from typing import Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models import resnet18


def build_imgnet() -> nn.Module:
    net = resnet18(weights=None)
    net.avgpool = nn.Identity()
    net.fc = nn.Identity()
    return net


def build_audnet() -> nn.Module:
    net = resnet18(weights=None)
    net.conv1 = nn.Conv2d(1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3),
                          bias=False)
    net.avgpool = nn.AdaptiveMaxPool2d((1, 1))
    net.fc = nn.Identity()
    return net


class PublicSLAVC(nn.Module):
    """``model.SLAVC`` (initialisation aside: the tests load the weights)."""

    def __init__(self, tau: float, dim: int, dropout_img: float, dropout_aud: float,
                 momentum_img: float, momentum_aud: float, use_mom_eval: bool) -> None:
        super().__init__()
        self.tau = tau
        self.imgnet = build_imgnet()
        self.img_dropout = nn.Dropout(p=dropout_img)
        self.img_proj1 = nn.Conv2d(512, dim, kernel_size=(1, 1))
        self.img_proj2 = nn.Conv2d(512, dim, kernel_size=(1, 1))
        self.audnet = build_audnet()
        self.aud_proj1 = nn.Linear(512, dim)
        self.aud_proj2 = nn.Linear(512, dim)
        self.aud_dropout = nn.Dropout(p=dropout_aud)
        self.momentum_imgnet = build_imgnet()
        self.momentum_img_proj1 = nn.Conv2d(512, dim, kernel_size=(1, 1))
        self.momentum_img_proj2 = nn.Conv2d(512, dim, kernel_size=(1, 1))
        self.momentum_audnet = build_audnet()
        self.momentum_aud_proj1 = nn.Linear(512, dim)
        self.momentum_aud_proj2 = nn.Linear(512, dim)
        self.m_img, self.m_aud = momentum_img, momentum_aud
        self.use_mom_eval = use_mom_eval
        for base, mom in self._pairs():
            for param_b, param_m in zip(base.parameters(), mom.parameters()):
                param_m.data.copy_(param_b.data)
                param_m.requires_grad = False

    def _pairs(self):
        return [(self.imgnet, self.momentum_imgnet),
                (self.img_proj1, self.momentum_img_proj1),
                (self.img_proj2, self.momentum_img_proj2),
                (self.audnet, self.momentum_audnet),
                (self.aud_proj1, self.momentum_aud_proj1),
                (self.aud_proj2, self.momentum_aud_proj2)]

    @torch.no_grad()
    def _update_momentum_encoder(self, m, base_encoder, momentum_encoder):
        for param_b, param_m in zip(base_encoder.parameters(),
                                    momentum_encoder.parameters()):
            param_m.data = param_m.data * m + param_b.data * (1. - m)

    def forward_img_features(self, imgnet, improj1, improj2, image):
        img = imgnet(image).unflatten(1, (512, 7, 7))
        img = self.img_dropout(img)
        img1 = F.normalize(improj1(img), dim=1)
        img2 = F.normalize(improj2(img), dim=1)
        return img1, img2

    def forward_aud_features(self, audnet, audproj1, audproj2, audio):
        aud = audnet(audio)
        aud = self.aud_dropout(aud)
        aud1 = F.normalize(audproj1(aud), dim=1)
        aud2 = F.normalize(audproj2(aud), dim=1)
        return aud1, aud2

    def forward(self, image, audio, mode='train'):
        img1, img2 = self.forward_img_features(self.imgnet, self.img_proj1,
                                               self.img_proj2, image)
        aud1, aud2 = self.forward_aud_features(self.audnet, self.aud_proj1,
                                               self.aud_proj2, audio)
        with torch.no_grad():
            if mode == 'train':
                for i, (base, mom) in enumerate(self._pairs()):
                    self._update_momentum_encoder(self.m_img if i < 3 else self.m_aud,
                                                  base, mom)
            img1_trg, img2_trg = self.forward_img_features(
                self.momentum_imgnet, self.momentum_img_proj1, self.momentum_img_proj2,
                image)
            aud1_trg, aud2_trg = self.forward_aud_features(
                self.momentum_audnet, self.momentum_aud_proj1, self.momentum_aud_proj2,
                audio)
        i2a_1 = F.softmax(torch.einsum('nchw,mc->nmhw', img1, aud1_trg).flatten(-2, -1)
                          / self.tau, dim=1)
        i2a_2 = F.softmax(torch.einsum('nchw,mc->nmhw', img2, aud2_trg).flatten(-2, -1)
                          / self.tau, dim=2)
        i2a = torch.log((i2a_1 * i2a_2).sum(2))
        a2i_1 = F.softmax(torch.einsum('nchw,mc->nmhw', img1_trg, aud1).flatten(-2, -1)
                          / self.tau, dim=1)
        a2i_2 = F.softmax(torch.einsum('nchw,mc->nmhw', img2_trg, aud2).flatten(-2, -1)
                          / self.tau, dim=2)
        a2i = torch.log((a2i_1 * a2i_2).sum(2))
        labels = torch.arange(img1.shape[0]).long()
        loss = F.cross_entropy(a2i, labels) + F.cross_entropy(i2a, labels)
        with torch.no_grad():
            if self.use_mom_eval:
                savl1 = torch.einsum('nchw,nc->nhw', img1_trg, aud1_trg) / self.tau
                savl2 = torch.einsum('nchw,nc->nhw', img2_trg, aud2_trg) / self.tau
            else:
                savl1 = torch.einsum('nchw,nc->nhw', img1, aud1) / self.tau
                savl2 = torch.einsum('nchw,nc->nhw', img2, aud2) / self.tau
            savl = (savl1 + savl2) / 2
        return loss, savl


class NormReducer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return x.abs().mean(self.dim)


class Unsqueeze(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return x.unsqueeze(self.dim)


def object_saliency_model() -> nn.Module:
    """test.py's ``object_saliency_model`` (pretrained=True there)."""
    net = resnet18(weights=None)
    net.avgpool = nn.Identity()
    net.fc = nn.Sequential(nn.Unflatten(1, (512, 7, 7)), NormReducer(dim=1), Unsqueeze(1))
    return net


@torch.no_grad()
def validate_scores(model: PublicSLAVC, saliency: nn.Module, image: torch.Tensor,
                    spec: torch.Tensor, tau: float, alpha: float
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """test.py ``validate`` for one batch: per clip ``scores_av``, ``scores_av_obj``
    (each (B, 224, 224)) and their confidences ``conf_av``, ``conf_av_obj`` (B,)."""
    heatmap_av = model(image.float(), spec.float(), mode='test')[1].unsqueeze(1)
    heatmap_av = F.interpolate(heatmap_av, size=(224, 224), mode='bicubic',
                               align_corners=True).data.cpu().numpy()
    heatmap_obj = F.interpolate(saliency(image), size=(224, 224), mode='bicubic',
                                align_corners=True).data.cpu().numpy()
    av_min, av_max = -1. / tau, 1. / tau
    obj_min, obj_max = 0., 2.5

    def min_max_norm(x, xmin, xmax):
        return (x - xmin) / (xmax - xmin)

    scores_av, scores_av_obj, conf_av, conf_av_obj = [], [], [], []
    for i in range(spec.shape[0]):
        n = heatmap_av[i, 0].size
        s_av = min_max_norm(heatmap_av[i, 0], av_min, av_max)
        s_obj = min_max_norm(heatmap_obj[i, 0], obj_min, obj_max)
        s_av_obj = s_av * alpha + s_obj * (1 - alpha)
        scores_av.append(s_av)
        scores_av_obj.append(s_av_obj)
        conf_av.append(np.sort(s_av.flatten())[-n // 4:].mean())
        conf_av_obj.append(np.sort(s_av_obj.flatten())[-n // 4:].mean())
    return (np.stack(scores_av), np.stack(scores_av_obj), np.array(conf_av),
            np.array(conf_av_obj))
