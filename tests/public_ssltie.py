"""A transcription of the public SSL-TIE code (github.com/jinxiang-liu/SSL-TIE) for
parity tests, written from its sources and independent of avloc's modules:

- ``networks/base_models.py``: both ResNet-18s with ``layer4`` at stride 1;
- ``models/model.py``: ``AVENet.forward`` (heatmap, logits with the ``1 - 100 * I``
  mask, trimap hard negatives);
- ``utils/tf_equivariance_loss.py``: the transform T through kornia 0.5.6's
  ``get_rotation_matrix2d``, ``warp_affine`` (bilinear, zeros, pixel-index
  coordinates), ``resize`` (``F.interpolate``, bilinear, no antialias) and ``Hflip``;
  the warp is an explicit float64 bilinear sampler here;
- ``main.py``: ``loss = 0.5 * (CE(view 1) + CE(view 2)) + 1.0 * MSE(A_2, T(A_1))``.
"""
import math
from typing import Dict, Tuple

import torch
import torch.nn.functional as F

EPS, EPS2, TAU, TEMPERATURE = 0.65, 0.4, 0.03, 0.07


def resnet(x: torch.Tensor, sd: Dict[str, torch.Tensor], prefix: str, stem: str,
           training: bool = False) -> torch.Tensor:
    """``base_models.ResNet._forward_impl``: (B, C, H, W) -> (B, 512, H/16, W/16)."""
    def bn(t, name):
        if training:  # batch statistics, as a BatchNorm2d in train mode
            return F.batch_norm(t, None, None, sd[f'{name}.weight'], sd[f'{name}.bias'],
                                True, 0.0, 1e-5)
        return F.batch_norm(t, sd[f'{name}.running_mean'], sd[f'{name}.running_var'],
                            sd[f'{name}.weight'], sd[f'{name}.bias'], False, 0.0, 1e-5)

    x = F.relu(bn(F.conv2d(x, sd[f'{prefix}.{stem}.weight'], stride=2, padding=3),
                  f'{prefix}.bn1'))
    x = F.max_pool2d(x, 3, 2, 1)
    for layer, first_stride in ((1, 1), (2, 2), (3, 2), (4, 1)):  # layer4: stride 1
        for block in (0, 1):
            name = f'{prefix}.layer{layer}.{block}'
            stride = first_stride if block == 0 else 1
            out = F.relu(bn(F.conv2d(x, sd[f'{name}.conv1.weight'], stride=stride,
                                     padding=1), f'{name}.bn1'))
            out = bn(F.conv2d(out, sd[f'{name}.conv2.weight'], padding=1), f'{name}.bn2')
            if f'{name}.downsample.0.weight' in sd:
                x = bn(F.conv2d(x, sd[f'{name}.downsample.0.weight'], stride=stride),
                       f'{name}.downsample.1')
            x = F.relu(out + x)
    return x


def avenet_forward(sd: Dict[str, torch.Tensor], image: torch.Tensor,
                   spec: torch.Tensor, training: bool = False
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``AVENet.forward``: heatmap A (B, 1, h, w) and logits (B, B + 2)."""
    b = image.shape[0]
    img = F.normalize(resnet(image, sd, 'imgnet', 'conv1', training), dim=1)
    aud = F.adaptive_max_pool2d(resnet(spec, sd, 'audnet', 'conv1_a', training), 1)
    aud = F.normalize(aud.view(b, -1), dim=1)
    heatmap = torch.einsum('ncqa,nchw->nqa', img, aud[:, :, None, None])[:, None]
    cross = torch.einsum('ncqa,ckhw->nkqa', img, aud.T[:, :, None, None])
    pos = torch.sigmoid((heatmap - EPS) / TAU)
    neg = 1 - torch.sigmoid((heatmap - EPS2) / TAU)
    pos_all = torch.sigmoid((cross - EPS) / TAU)
    mask = 1 - 100 * torch.eye(b, dtype=image.dtype)
    sim = (pos_all * cross).flatten(2).sum(-1) / pos_all.flatten(2).sum(-1) * mask
    sim1 = (pos * heatmap).flatten(2).sum(-1) / pos.flatten(2).sum(-1)
    sim2 = (neg * heatmap).flatten(2).sum(-1) / neg.flatten(2).sum(-1)
    return heatmap, torch.cat((sim1, sim, sim2), 1) / TEMPERATURE


def rotation_matrix(angles: torch.Tensor, scale: float, size: int = 224) -> torch.Tensor:
    """kornia's ``get_rotation_matrix2d`` about (size / 2, size / 2): (B, 2, 3)."""
    rad = angles.double() * math.pi / 180
    a, b = scale * torch.cos(rad), scale * torch.sin(rad)
    c = size / 2
    return torch.stack([torch.stack([a, b, (1 - a) * c - b * c], -1),
                        torch.stack([-b, a, b * c + (1 - a) * c], -1)], 1)


def warp_affine(x: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """Bilinear sampling with zeros outside, pixel ``i`` at coordinate ``i``:
    out[p] = x[inv(M) p], in float64. (B, C, H, W) -> (B, C, H, W)."""
    b, c, h, w = x.shape
    full = torch.cat([matrix, torch.tensor([[[0.0, 0, 1]]], dtype=matrix.dtype)
                      .expand(b, 1, 3)], 1)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64),
                            torch.arange(w, dtype=torch.float64), indexing='ij')
    dst = torch.stack([xs, ys, torch.ones_like(xs)], -1).reshape(-1, 3)
    src = torch.einsum('bij,pj->bpi', torch.linalg.inv(full), dst)
    sx, sy = src[..., 0], src[..., 1]
    x0, y0 = sx.floor(), sy.floor()
    out = torch.zeros(b, c, h * w, dtype=torch.float64)
    flat = x.double().reshape(b, c, -1)
    for dx in (0, 1):
        for dy in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            weight = (1 - (sx - xi).abs()) * (1 - (sy - yi).abs())
            inside = (xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)
            index = (yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).long()
            taps = torch.gather(flat, 2, index[:, None].expand(b, c, -1))
            out += taps * (weight * inside)[:, None]
    return out.reshape(b, c, h, w)


def transform(x: torch.Tensor, angles: torch.Tensor, scale: float,
              flip: bool) -> torch.Tensor:
    """``TfEquivarianceLoss.transform`` with ``input_hw=(224, 224)``."""
    dsize = [int(s * scale) for s in x.shape[-2:]]
    if tuple(x.shape[-2:]) != (224, 224):
        x = F.interpolate(x, size=(224, 224), mode='bilinear', align_corners=False)
    out = warp_affine(x, rotation_matrix(angles, scale)).to(x.dtype)
    if dsize != [224, 224]:
        out = F.interpolate(out, size=dsize, mode='bilinear', align_corners=False)
    return out.flip(-1) if flip else out


def train_loss(sd: Dict[str, torch.Tensor], image: torch.Tensor, spec: torch.Tensor,
               angles: torch.Tensor, scale: float, flip: bool) -> torch.Tensor:
    """``main.train_one_epoch``'s loss for one batch and one draw of T."""
    target = torch.zeros(image.shape[0], dtype=torch.long)
    heatmap, logits = avenet_forward(sd, image, spec, training=True)
    heatmap_ts, logits_ts = avenet_forward(sd, transform(image, angles, scale, flip),
                                           spec, training=True)
    ts_heatmap = transform(heatmap, angles, scale, flip)
    loss_cl = F.cross_entropy(logits, target)
    loss_cl_ts = F.cross_entropy(logits_ts, target)
    return 0.5 * (loss_cl + loss_cl_ts) + 1.0 * F.mse_loss(heatmap_ts, ts_heatmap)
