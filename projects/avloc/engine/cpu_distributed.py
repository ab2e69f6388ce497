"""Distributed runs on machines without CUDA (torchrun or srun + gloo).

mmengine 0.10.7's ``pytorch`` and ``slurm`` launchers always call
``torch.cuda.set_device`` and wrap the model with ``device_ids=[LOCAL_RANK]``, so
they fail on a CPU-only machine. Starting the gloo process group before the Runner
exists makes the Runner skip its own set-up, and a wrapper config without device ids
lets DDP wrap a CPU module.
"""
import os
import sys
from unittest import mock

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.config import Config
from mmengine.dist import init_dist


def prepare_cpu_distributed(cfg: Config) -> None:
    """Set up a gloo process group for ``cfg.launcher`` 'pytorch' or 'slurm' without
    CUDA.

    Does nothing when CUDA is available or the run is not distributed. Under
    'slurm', mmengine's own set-up reads the task's ``SLURM_*`` variables (the first
    host of ``SLURM_NODELIST`` through ``scontrol``, ``MASTER_PORT``); only its
    ``torch.cuda.set_device`` call is skipped.
    """
    launcher = cfg.get('launcher')
    if launcher not in ('pytorch', 'slurm') or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        if launcher == 'pytorch':
            dist.init_process_group(backend='gloo')  # rank and world size from torchrun
        else:
            # init_dist sets a start method only where none is: set the config's
            # first, as the Runner would, so that the Runner finds it unchanged
            mp_cfg = cfg.get('env_cfg', {}).get('mp_cfg', {})
            if mp.get_start_method(allow_none=True) is None:
                mp.set_start_method(mp_cfg.get('mp_start_method', 'fork'))
            with mock.patch.object(torch.cuda, 'set_device', lambda device: None):
                init_dist('slurm', backend='gloo')
            sys.stderr.write(f'slurm task {dist.get_rank()} of {dist.get_world_size()} '
                             f'(local {os.environ["LOCAL_RANK"]}): gloo rendezvous at '
                             f'{os.environ["MASTER_ADDR"]}:{os.environ["MASTER_PORT"]}\n')
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
