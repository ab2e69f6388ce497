"""Distributed runs on machines without CUDA (torchrun + gloo).

mmengine 0.10.7's ``pytorch`` launcher always calls ``torch.cuda.set_device`` and
wraps the model with ``device_ids=[LOCAL_RANK]``, so ``torchrun`` fails on a CPU-only
machine. Starting the gloo process group before the Runner exists makes the Runner
skip its own set-up, and a wrapper config without device ids lets DDP wrap a CPU
module.
"""
import torch
import torch.distributed as dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config) -> None:
    """Set up a gloo process group for ``cfg.launcher == 'pytorch'`` without CUDA.

    Does nothing when CUDA is available or the run is not launched by torchrun.
    """
    if cfg.get('launcher') != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')  # rank and world size from torchrun
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
