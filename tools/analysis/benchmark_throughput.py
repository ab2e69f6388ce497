"""What bounds SSL-TIE training on this machine: the data loader (clips/s per
worker), the model alone (forward + backward, fp32, mixed precision,
channels-last) or the full training step, and how many loader workers keep one
device busy.

    python tools/analysis/benchmark_throughput.py                     # CPU, batch 8
    python tools/analysis/benchmark_throughput.py --batch-sizes 32 128  # on a GPU

The model is the paper config's (``ssltie_r18_1xb32-100e_vggsound144k.py``: 224 px
frames, 257 x 670 spectrograms, the equivariance view made on the device); batches
come from clips that ``benchmark_data_pipeline.py`` generates. Mixed precision is
float16 autocast on CUDA and bfloat16 on the CPU. Each rate is the median of
``--repeats`` timed steps after ``--warmup`` untimed ones. On CUDA the GPU's
utilisation over the timed steps is sampled with ``nvidia-smi`` when it exists.
"""
import argparse
import math
import os.path as osp
import statistics
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from typing import Callable, Dict, List, Optional

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_data_pipeline import avloc_pipeline, clips_per_second, make_clips  # noqa: E402

PAPER = 'configs/ssltie/ssltie_r18_1xb32-100e_vggsound144k.py'


class GpuUtilisation:
    """Mean GPU utilisation (%) sampled by ``nvidia-smi`` while the block runs."""

    def __init__(self) -> None:
        self.samples: List[float] = []
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                out = subprocess.run(['nvidia-smi', '--query-gpu=utilization.gpu',
                                      '--format=csv,noheader,nounits', '-i', '0'],
                                     capture_output=True, text=True, timeout=5).stdout
                self.samples.append(float(out.split()[0]))
            except (OSError, ValueError, IndexError, subprocess.SubprocessError):
                return
            self._stop.wait(0.2)

    def __enter__(self) -> 'GpuUtilisation':
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mean(self) -> Optional[float]:
        return statistics.mean(self.samples) if self.samples else None


def timed(step: Callable[[], None], device: torch.device, warmup: int,
          repeats: int) -> float:
    """Median seconds of ``step``."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(config: str, device: torch.device, channels_last: bool):
    """The config's model in training mode on ``device``, and its optimiser."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    from avloc.registry import MODELS
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model).to(device)
    model.train()
    if channels_last:  # the encoders (the preprocessor holds 5-D buffers)
        for encoder in (model.visual_encoder, model.audio_encoder):
            encoder.to(memory_format=torch.channels_last)
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def measure(args, device: torch.device, batch_size: int, clips: List[str]) -> Dict[str, str]:
    from mmengine.dataset import pseudo_collate
    amp = (dict(device_type='cuda', dtype=torch.float16) if device.type == 'cuda'
           else dict(device_type='cpu', dtype=torch.bfloat16))
    rows: Dict[str, str] = {}
    for placement, config in (('workers', PAPER), ('device', args.device_config)):
        load = avloc_pipeline(args.root, 'extracted', placement)
        batch = pseudo_collate([load(c) for c in (clips * batch_size)[:batch_size]])
        for name, use_amp, channels_last in (('fp32', False, False),
                                             ('mixed precision', True, False),
                                             ('mixed precision, channels-last', True, True)):
            if placement == 'device' and name != 'mixed precision':
                continue  # the model's cost does not depend on the placement
            model, optim = build(config, device, channels_last)
            context = (lambda: torch.autocast(**amp)) if use_amp else nullcontext
            inputs = model.data_preprocessor(batch, True)

            def forward_backward() -> None:
                with context():
                    losses = model(**inputs, mode='loss')
                sum(v for k, v in losses.items() if 'loss' in k).backward()
                model.zero_grad(set_to_none=True)

            def train_step() -> None:
                with context():
                    model.train_step(batch, optim)

            if placement == 'workers':
                seconds = timed(forward_backward, device, args.warmup, args.repeats)
                rows[f'model alone, {name}'] = f'{batch_size / seconds:.1f}'
            with GpuUtilisation() as gpu:
                seconds = timed(train_step, device, args.warmup, args.repeats)
            util = f', GPU {gpu.mean:.0f}% busy' if gpu.mean is not None else ''
            rows[f'training step ({placement} augmentation), {name}'] = \
                f'{batch_size / seconds:.1f}{util}'
    return rows


def bottleneck(step_rate: float, worker_rate: float) -> str:
    """Which of the model and one loader worker bounds training, and how many
    workers keep the device busy, from their rates in clips/s."""
    workers = math.ceil(step_rate / worker_rate)
    bound = 'the model' if step_rate < worker_rate else 'one loader worker'
    plural = 'workers keep' if workers > 1 else 'worker keeps'
    return (f"{bound} bounds a single worker's training; {workers} loader {plural} "
            'the device busy')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=None,
                        help='default: 8 on the CPU, 32 and 128 on a GPU')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--device-config',
                        default='configs/ssltie/ssltie_r18_1xb32-100e_vggsound144k_device-aug.py')
    parser.add_argument('--root', default='work_dirs/pipeline_benchmark/clips')
    parser.add_argument('--clips', type=int, default=64)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    device = torch.device(args.device)
    batch_sizes = args.batch_sizes or ([32, 128] if device.type == 'cuda' else [8])
    clips = make_clips(args.root, args.clips)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a dataloader worker's setting
    per_worker = {p: statistics.median(clips_per_second(avloc_pipeline(args.root, 'extracted',
                                                                       p), clips)
                                       for _ in range(3)) for p in ('workers', 'device')}
    torch.set_num_threads(threads)
    name = (torch.cuda.get_device_name(device) if device.type == 'cuda'
            else f'{threads}-thread CPU')
    print(f'\n{name}, torch {torch.__version__}, {time.strftime("%Y-%m-%d")}, '
          f'clips/s (higher is better):\n')
    print('| measured | ' + ' | '.join(f'batch {b}' for b in batch_sizes) + ' |')
    print('|---|' + '---|' * len(batch_sizes))
    for placement, rate in per_worker.items():
        print(f'| data loader, one worker ({placement} augmentation) | ' +
              ' | '.join(f'{rate:.1f}' for _ in batch_sizes) + ' |')
    results = [measure(args, device, b, clips) for b in batch_sizes]
    for key in results[0]:
        print(f'| {key} | ' + ' | '.join(r[key] for r in results) + ' |')
    print()
    for placement, rate in per_worker.items():
        for b, r in zip(batch_sizes, results):
            step = float(r[f'training step ({placement} augmentation), mixed precision']
                         .split(',')[0])
            print(f'batch {b}, {placement} augmentation: a mixed-precision step trains '
                  f'{step:.1f} clips/s and one loader worker loads {rate:.1f}: '
                  f'{bottleneck(step, rate)}')


if __name__ == '__main__':
    main()
