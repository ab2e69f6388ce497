"""A transcription of the public FNAC code (github.com/OpenNLPLab/FNAC_AVL) for parity
tests, written from its sources and independent of avloc's modules:

- ``model.py``: ``FNAC.forward`` (torchvision ResNet-18s at output stride 32, the
  frame one without ``avgpool`` / ``fc``, the spectrogram one with a 1-channel stem
  and global max pooling; ``img_dropout`` before the 1x1 ``img_proj``,
  ``aud_dropout`` before the linear ``aud_proj``; both L2-normalised) and
  ``FNAC.calculate_loss`` (the four losses and ``Slogits``);
- ``train.py``: ``loss[0]`` during the warm-up epochs, then
  ``loss[0] + w1 * loss[1] + w2 * loss[2] + w3 * loss[3]``;
- ``test.py``: ``validate`` (bilinear, corners aligned) and ``validate2`` (bicubic)
  upsampling of ``Savl`` to 224, the object map ``|resnet18(image)|`` averaged over
  channels, ``utils.normalize_img`` and the ``alpha`` blend.

State dicts are in the public layout: ``imgnet.*``, ``img_proj.*``, ``audnet.*``,
``aud_proj.*`` (``FNAC.state_dict()``), and torchvision's for the object model.
"""
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

TAU = 0.03
HIGH_CONF_THRESH = 0.6


def resnet18_shapes(prefix: str, in_channels: int) -> Dict[str, Tuple[int, ...]]:
    """torchvision ResNet-18's parameters and buffers without ``fc``."""
    shapes = {}

    def bn(name, c):
        shapes.update({f'{name}.weight': (c,), f'{name}.bias': (c,),
                       f'{name}.running_mean': (c,), f'{name}.running_var': (c,),
                       f'{name}.num_batches_tracked': ()})

    shapes[f'{prefix}conv1.weight'] = (64, in_channels, 7, 7)
    bn(f'{prefix}bn1', 64)
    cin = 64
    for layer, cout in ((1, 64), (2, 128), (3, 256), (4, 512)):
        for block in (0, 1):
            name = f'{prefix}layer{layer}.{block}'
            shapes[f'{name}.conv1.weight'] = (cout, cin if block == 0 else cout, 3, 3)
            bn(f'{name}.bn1', cout)
            shapes[f'{name}.conv2.weight'] = (cout, cout, 3, 3)
            bn(f'{name}.bn2', cout)
            if block == 0 and layer > 1:
                shapes[f'{name}.downsample.0.weight'] = (cout, cin, 1, 1)
                bn(f'{name}.downsample.1', cout)
        cin = cout
    return shapes


def fnac_shapes(dim: int = 512) -> Dict[str, Tuple[int, ...]]:
    """``FNAC(tau, dim, ...).state_dict()``'s keys and shapes."""
    shapes = resnet18_shapes('imgnet.', 3)
    shapes.update({'img_proj.weight': (dim, 512, 1, 1), 'img_proj.bias': (dim,)})
    shapes.update(resnet18_shapes('audnet.', 1))
    shapes.update({'aud_proj.weight': (dim, 512), 'aud_proj.bias': (dim,)})
    return shapes


def resnet(x: torch.Tensor, sd: Dict[str, torch.Tensor], prefix: str,
           training: bool = False) -> torch.Tensor:
    """torchvision ``ResNet._forward_impl`` up to ``layer4``: (B, C, H, W) ->
    (B, 512, H/32, W/32)."""
    def bn(t, name):
        if training:  # batch statistics, as a BatchNorm2d in train mode
            return F.batch_norm(t, None, None, sd[f'{name}.weight'], sd[f'{name}.bias'],
                                True, 0.0, 1e-5)
        return F.batch_norm(t, sd[f'{name}.running_mean'], sd[f'{name}.running_var'],
                            sd[f'{name}.weight'], sd[f'{name}.bias'], False, 0.0, 1e-5)

    x = F.relu(bn(F.conv2d(x, sd[f'{prefix}conv1.weight'], stride=2, padding=3),
                  f'{prefix}bn1'))
    x = F.max_pool2d(x, 3, 2, 1)
    for layer, first_stride in ((1, 1), (2, 2), (3, 2), (4, 2)):
        for block in (0, 1):
            name = f'{prefix}layer{layer}.{block}'
            stride = first_stride if block == 0 else 1
            out = F.relu(bn(F.conv2d(x, sd[f'{name}.conv1.weight'], stride=stride,
                                     padding=1), f'{name}.bn1'))
            out = bn(F.conv2d(out, sd[f'{name}.conv2.weight'], padding=1), f'{name}.bn2')
            if f'{name}.downsample.0.weight' in sd:
                x = bn(F.conv2d(x, sd[f'{name}.downsample.0.weight'], stride=stride),
                       f'{name}.downsample.1')
            x = F.relu(out + x)
    return x


def calculate_loss(img: torch.Tensor, aud: torch.Tensor, tau: float = TAU
                   ) -> Tuple[List[torch.Tensor], torch.Tensor]:
    """``FNAC.calculate_loss``: [loss, fnac_loss1, fnac_loss2, fnac_loss3] and
    Slogits (B, B, h, w)."""
    aud_attn = (aud @ aud.transpose(0, 1)) / tau
    img_avg = F.adaptive_avg_pool2d(img, (1, 1))[:, :, 0, 0]
    img_attn = (img_avg @ img_avg.transpose(0, 1)) / tau
    b = img.shape[0]
    slogits = torch.einsum('nchw,mc->nmhw', img, aud) / tau
    loc_map = slogits[torch.arange(b), torch.arange(b)]
    low = torch.amin(loc_map, (1, 2), keepdim=True)
    loc_map = (loc_map - low) / (torch.amax(loc_map, (1, 2), keepdim=True) - low + 1e-5)
    frg_feature = img * (loc_map > HIGH_CONF_THRESH).unsqueeze(1)
    frg_feature = frg_feature.flatten(-2, -1).mean(dim=-1)
    frg_attn = (frg_feature @ frg_feature.transpose(0, 1)) / tau
    logits = slogits.flatten(-2, -1).max(dim=-1)[0]
    labels = torch.arange(b).long()
    loss = F.cross_entropy(logits, labels) + F.cross_entropy(logits.permute(1, 0), labels)
    fnac_loss1 = F.l1_loss(torch.softmax(aud_attn, dim=1), torch.softmax(logits, dim=1))
    fnac_loss2 = F.l1_loss(torch.softmax(aud_attn, dim=1), torch.softmax(frg_attn, dim=1))
    fnac_loss3 = F.l1_loss(torch.softmax(img_attn, dim=1), torch.softmax(logits, dim=1))
    return [loss, fnac_loss1, fnac_loss2, fnac_loss3], slogits


def forward(sd: Dict[str, torch.Tensor], image: torch.Tensor, audio: torch.Tensor,
            training: bool = False, dropout_img: float = 0.0, dropout_aud: float = 0.0,
            tau: float = TAU) -> Tuple[List[torch.Tensor], torch.Tensor]:
    """``FNAC.forward``: the four losses and Savl (B, h, w). The dropouts are
    active only with ``training`` (``nn.Dropout`` in train mode), in this order:
    image first."""
    img = resnet(image, sd, 'imgnet.', training)
    img = F.dropout(img, dropout_img, training)
    img = F.conv2d(img, sd['img_proj.weight'], sd['img_proj.bias'])
    img = F.normalize(img, dim=1)
    aud = F.adaptive_max_pool2d(resnet(audio, sd, 'audnet.', training), 1).flatten(1)
    aud = F.dropout(aud, dropout_aud, training)
    aud = F.linear(aud, sd['aud_proj.weight'], sd['aud_proj.bias'])
    aud = F.normalize(aud, dim=1)
    losses, slogits = calculate_loss(img, aud, tau)
    b = img.shape[0]
    return losses, slogits[torch.arange(b), torch.arange(b)].detach()


def train_loss(losses: List[torch.Tensor], epoch: int, warmup: int = 5,
               weights: Tuple[float, float, float] = (100.0, 100.0, 100.0)
               ) -> torch.Tensor:
    """``train.train``'s loss for one batch in ``epoch`` (0-based)."""
    if epoch < warmup:
        return losses[0]
    return losses[0] + sum(w * term for w, term in zip(weights, losses[1:]))


def normalize_img(value: np.ndarray) -> np.ndarray:
    """``utils.normalize_img``: min-max, left as it is when constant."""
    vmin, vmax = value.min(), value.max()
    if not (vmax - vmin) == 0:
        value = (value - vmin) / (vmax - vmin)
    return value


def test_maps(savl: torch.Tensor, image: torch.Tensor,
              object_sd: Optional[Dict[str, torch.Tensor]] = None, alpha: float = 0.4,
              bicubic: bool = False, size: int = 224) -> np.ndarray:
    """``test.validate`` (or ``validate2`` with ``bicubic``): (B, size, size) maps
    scored, ``pred_av`` or, with the object model's weights, ``pred_av_obj``."""
    heatmap_av = savl.unsqueeze(1)
    if bicubic:
        heatmap_av = F.interpolate(heatmap_av, size=(size, size), mode='bicubic',
                                   align_corners=False)
    else:
        heatmap_av = F.interpolate(heatmap_av, size=(size, size), mode='bilinear',
                                   align_corners=True)
    heatmap_av = heatmap_av.numpy()
    heatmap_obj = None
    if object_sd is not None:
        img_feat = resnet(image, object_sd, '').abs().mean(1).unsqueeze(1)
        heatmap_obj = F.interpolate(img_feat, size=(size, size), mode='bilinear',
                                    align_corners=True).numpy()
    out = []
    for i in range(len(heatmap_av)):
        pred_av = normalize_img(heatmap_av[i, 0])
        if heatmap_obj is None:
            out.append(pred_av)
            continue
        pred_obj = normalize_img(heatmap_obj[i, 0])
        out.append(normalize_img(pred_av * alpha + pred_obj * (1 - alpha)))
    return np.stack(out)
