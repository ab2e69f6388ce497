"""SSL-TIE's ResNet-18 encoders, with torchvision's attribute names.

Both encoders are the public code's ``networks/base_models.py`` ``ResNet``: a
torchvision ResNet-18 whose ``layer4`` has stride 1 (output stride 16), the frame
encoder with the RGB stem, the spectrogram encoder with a 1-channel stem. Keeping
torchvision's names (``conv1``, ``bn1``, ``layer1``-``layer4``) lets
``init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')`` or any
torchvision state dict load directly.
"""
from typing import Dict, Iterator, Optional

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import get_torchvision_models
from torchvision.models import resnet18

from avloc.registry import MODELS
from avloc.utils import load_checkpoint_file

TRUNK_PARTS = ('conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4')
#: The BatchNorm layers an encoder may hold (torch's public classes; SyncBatchNorm
#: after ``sync_bn``).
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def init_ssltie_weights(module: nn.Module) -> None:
    """SSL-TIE's init: kaiming-normal (fan_out, relu) convs; BN weight N(1, 0.02),
    bias 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class ResNet18Trunk(BaseModule):
    """ResNet-18 without ``avgpool`` / ``fc``: (B, C_in, H, W) -> (B, 512, h, w).

    Args:
        in_channels (int): Input channels of the stem.
        layer4_stride (int): Stride of ``layer4``: 1 gives output stride 16 (the
            public SSL-TIE / LVS code, both encoders), 2 torchvision's 32 (EZ-VSL).
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=PATH or
            'torchvision://resnet18', prefix=None)`` loads torchvision-named weights
            (see :meth:`init_weights`). Defaults to None (SSL-TIE's random init).
    """

    #: Channels of the output map (a localiser sizes its projections by it).
    out_channels = 512

    def __init__(self, in_channels: int, layer4_stride: int,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        net = resnet18(weights=None)
        if in_channels != 3:
            net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3,
                                  bias=False)
        for name in TRUNK_PARTS:
            setattr(self, name, getattr(net, name))
        self.layer4[0].conv1.stride = (layer4_stride, layer4_stride)
        self.layer4[0].downsample[0].stride = (layer4_stride, layer4_stride)
        init_ssltie_weights(self)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, H, W) -> (B, 512, h, w)."""
        for name in TRUNK_PARTS:
            x = getattr(self, name)(x)
        return x

    def init_weights(self) -> None:
        """Load ``init_cfg``'s pretrained weights by name, loudly.

        MMEngine's own ``Pretrained`` init only warns about keys it cannot place, so
        a checkpoint with other names silently loads nothing. Here a checkpoint that
        sets no weight of this trunk is an error naming the file; weights whose
        shape differs (an RGB stem for the 1-channel spectrogram stem) keep their
        initialisation and are logged.
        """
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        checkpoint = cfg['checkpoint']
        loaded = load_checkpoint_file(_resolve_url(checkpoint), map_location='cpu')
        state = _state_dict_of(loaded, cfg.get('prefix'))
        own = self.state_dict()
        matched = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
        if not matched:
            raise ValueError(
                f'{checkpoint}: no key matches {type(self).__name__} (expects '
                f'torchvision names such as conv1.weight, layer1.0.conv1.weight; the '
                f'file has e.g. {sorted(state)[:3]}); set init_cfg.prefix if its keys '
                'carry one')
        self.load_state_dict(matched, strict=False)
        skipped = sorted(k for k in own if k not in matched)
        logger = MMLogger.get_current_instance()
        logger.info(f'{type(self).__name__}: loaded {len(matched)} of {len(own)} '
                    f'tensors from {checkpoint}')
        if skipped:
            logger.warning(f'{type(self).__name__}: {len(skipped)} tensors not in '
                           f'{checkpoint} or of another shape keep their '
                           f'initialisation: {skipped[:5]}')
        self._is_init = True


def _resolve_url(checkpoint: str) -> str:
    """``torchvision://<name>`` -> its download URL; anything else unchanged."""
    if checkpoint.startswith('torchvision://'):
        name = checkpoint[len('torchvision://'):]
        urls = get_torchvision_models()
        if name not in urls:
            raise ValueError(f'{checkpoint}: torchvision has no such model')
        return urls[name]
    return checkpoint


def _state_dict_of(loaded: dict, prefix: Optional[str]) -> Dict[str, torch.Tensor]:
    """The tensors of a loaded checkpoint, ``prefix.`` stripped when given."""
    state = loaded.get('state_dict', loaded) if isinstance(loaded, dict) else {}
    state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    if prefix:
        head = prefix.rstrip('.') + '.'
        state = {k[len(head):]: v for k, v in state.items() if k.startswith(head)}
    return state


@MODELS.register_module()
class VisualResNet18(ResNet18Trunk):
    """Frame encoder: (B, 3, H, W) -> feature map (B, 512, H/16, W/16), e.g. 224 ->
    14x14, as in LVS and SSL-TIE; ``layer4_stride=2`` keeps torchvision's output
    stride 32 (224 -> 7x7), as in EZ-VSL.

    Args:
        layer4_stride (int): Stride of ``layer4``. Defaults to 1.
        init_cfg (dict, optional): See :class:`ResNet18Trunk`. Defaults to None.
    """

    def __init__(self, layer4_stride: int = 1, init_cfg: Optional[dict] = None) -> None:
        super().__init__(3, layer4_stride, init_cfg)

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        return self.feature_map(imgs)


@MODELS.register_module()
class AudioResNet18(ResNet18Trunk):
    """Spectrogram encoder: 1-channel stem, global max pooling.

    Input (B, 1, F, T) -> map (B, 512, F/16, T/16) -> embedding (B, 512); a 257x670
    spectrogram gives a 17x42 map at the public code's stride 1 (9x21 at stride 2).

    ``bn_updates_per_pass=k`` makes each training pass update the BatchNorm running
    statistics as k passes over the same batch would, without running them: the
    public SSL-TIE step runs its audio network once per view on the same
    spectrogram, so its statistics move twice per step. k updates with momentum m
    towards the same batch mean and (unbiased) variance are one update with
    momentum ``1 - (1 - m) ** k`` (0.19 for k = 2, m = 0.1), exactly for both
    ``running_mean`` and ``running_var``; the outputs and gradients of a training
    pass do not depend on the running statistics, so nothing else changes.
    ``num_batches_tracked`` advances by k per pass too, as in the public code, so a
    checkpoint's counters are the ones its run would have saved (BatchNorm reads the
    counter only when its momentum is None, which no encoder here uses).

    Args:
        layer4_stride (int): Stride of ``layer4``. Defaults to 1 (the public SSL-TIE
            and LVS code; EZ-VSL's audio encoder keeps torchvision's 2).
        bn_updates_per_pass (int): Running-statistics updates per training pass.
            Defaults to 1 (the ordinary BatchNorm; SSL-TIE's paper configs set 2).
        init_cfg (dict, optional): See :class:`ResNet18Trunk`. Defaults to None.
    """

    def __init__(self, layer4_stride: int = 1, bn_updates_per_pass: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(1, layer4_stride, init_cfg)
        if not isinstance(bn_updates_per_pass, int) or bn_updates_per_pass < 1:
            raise ValueError(f'bn_updates_per_pass must be a positive int, got '
                             f'{bn_updates_per_pass!r}')
        self.bn_updates_per_pass = bn_updates_per_pass
        if bn_updates_per_pass > 1:  # 1 - 0.9 would not give back 0.1 exactly
            for norm in self._norms():  # torchvision's, all with momentum 0.1
                norm.momentum = 1 - (1 - norm.momentum)**bn_updates_per_pass

    def _norms(self) -> Iterator[nn.Module]:
        """The BatchNorm layers, looked up when needed: ``sync_bn`` replaces them
        with SyncBatchNorm layers (which keep their momentum) after construction."""
        return (m for m in self.modules() if isinstance(m, BATCH_NORMS))

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        embedding = torch.amax(self.feature_map(spec), dim=(2, 3))  # (B, 512)
        if self.bn_updates_per_pass > 1:
            for norm in self._norms():  # BatchNorm itself counted this pass once
                if norm.training and norm.track_running_stats:
                    norm.num_batches_tracked.add_(self.bn_updates_per_pass - 1)
        return embedding
