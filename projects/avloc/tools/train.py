"""Train a model from a config.

    python tools/train.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py
    avloc-train configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py   # an installed avloc

``tools/train.py`` (and ``tools/dist_train.sh`` through it) calls :func:`main`.
"""
import argparse
import os
import sys
from typing import List, Optional

from mmengine.config import Config
from mmengine.device import is_cuda_available, is_mlu_available, is_musa_available, is_npu_available
from mmengine.runner import Runner, find_latest_checkpoint

import avloc  # noqa: F401  (registers avloc's modules)
from avloc.engine import ResumeMismatchError, load_run_config, prepare_cpu_distributed
from avloc.engine.work_dir_lock import WorkDirLock, WorkDirLockedError
from avloc.models.converters import CheckpointMismatchError, ConversionError
from avloc.registry import RUNNERS
from avloc.tools.common_args import parse_run_args, run_parser
from avloc.tools.standin_weights import ensure_config_standins
from avloc.utils import MalformedCheckpointError, UnsafeCheckpointError

# A checkpoint (--resume, load_from) that is refused, does not fit the model or
# cannot be resumed exactly is the user's to fix: one line, exit status 1.
CHECKPOINT_ERRORS = (UnsafeCheckpointError, MalformedCheckpointError, CheckpointMismatchError,
                     ConversionError, ResumeMismatchError)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line (``sys.argv[1:]`` when ``argv`` is None)."""
    parser = run_parser('Train an avloc model', 'logs and checkpoints')
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from a checkpoint; with no path, from the latest '
                        'one in the work dir (an error when there is none)')
    resume.add_argument('--auto-resume', action='store_true',
                        help='resume from the latest checkpoint in the work dir if there '
                        'is one, else start fresh (for jobs a cluster may requeue)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed-precision training: float16 encoders with a dynamic '
                        'loss scale on a GPU, bfloat16 on the CPU; the heatmaps, warps '
                        'and losses stay float32')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    return parse_run_args(parser, argv, 'training', cfg_options_help='override config '
                          'entries, e.g. train_cfg.max_epochs=1')


def build_config(args: argparse.Namespace) -> Config:
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.amp:
        if is_cuda_available() or is_npu_available() or is_mlu_available() \
                or is_musa_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:  # mmengine's AmpOptimWrapper refuses the CPU
            print('--amp without a GPU: bfloat16 autocast on the CPU '
                  '(CPUAutocastOptimWrapper)', file=sys.stderr)
            cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
    if args.seed is not None:
        cfg.randomness = dict(cfg.get('randomness', {}), seed=args.seed)
    if args.resume == 'auto' or args.auto_resume:
        latest = find_latest_checkpoint(cfg.work_dir)
        if latest is None and not args.auto_resume:
            sys.exit(f'--resume: nothing to resume in {cfg.work_dir} (no '
                     'last_checkpoint file); run without --resume to start fresh, or '
                     'use --auto-resume to start fresh when there is nothing')
        cfg.resume, cfg.load_from = latest is not None, latest
    elif args.resume:
        if not os.path.isfile(args.resume):
            sys.exit(f'--resume: {args.resume}: checkpoint not found')
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main(argv: Optional[List[str]] = None) -> None:
    """Train as ``tools/train.py`` / ``avloc-train`` with arguments ``argv``."""
    cfg = build_config(parse_args(argv))
    if os.environ.get('RANK', os.environ.get('SLURM_PROCID', '0')) == '0':
        try:  # held until the process ends
            lock = WorkDirLock(cfg.work_dir).acquire()  # noqa: F841
        except WorkDirLockedError as err:
            sys.exit(str(err))
        # The AVShapes stand-in for ImageNet weights, if the model starts from it:
        # built on first use, before the runner, whose init_weights loads it (the
        # other ranks wait for this one where the process group is set up below).
        ensure_config_standins(cfg)
    prepare_cpu_distributed(cfg)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    try:
        runner.train()
    except CHECKPOINT_ERRORS as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()
