"""SSL-TIE's ResNet-18 encoders (torchvision ResNet-18, random initialisation)."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torchvision.models import resnet18

from avloc.registry import MODELS


def init_ssltie_weights(module: nn.Module) -> None:
    """SSL-TIE's init: kaiming-normal (fan_out, relu) convs; BN weight N(1, 0.02),
    bias 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def _trunk(in_channels: int) -> nn.Module:
    net = resnet18(weights=None)
    if in_channels != 3:
        net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2,
                         net.layer3, net.layer4)


@MODELS.register_module()
class VisualResNet18(BaseModule):
    """Frame encoder: ResNet-18 trunk, by default with ``layer4`` at stride 1.

    Input (B, 3, H, W) -> feature map (B, 512, H/16, W/16), e.g. 224 -> 14x14, as in
    LVS and SSL-TIE; ``layer4_stride=2`` keeps torchvision's output stride 32
    (224 -> 7x7), as in EZ-VSL.

    Args:
        layer4_stride (int): Stride of ``layer4``. Defaults to 1.
        init_cfg (dict, optional): e.g. ``dict(type='Pretrained', checkpoint=...)``.
            Defaults to None (SSL-TIE's random initialisation).
    """

    def __init__(self, layer4_stride: int = 1, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.trunk = _trunk(3)
        layer4 = self.trunk[-1]
        layer4[0].conv1.stride = (layer4_stride, layer4_stride)
        layer4[0].downsample[0].stride = (layer4_stride, layer4_stride)
        init_ssltie_weights(self)

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        return self.trunk(imgs)


@MODELS.register_module()
class AudioResNet18(BaseModule):
    """Spectrogram encoder: ResNet-18 with a 1-channel stem, global max pooling.

    Input (B, 1, F, T) -> embedding (B, 512).
    """

    def __init__(self, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.trunk = _trunk(1)
        init_ssltie_weights(self)

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        return torch.amax(self.trunk(spec), dim=(2, 3))
