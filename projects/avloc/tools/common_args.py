"""The command-line arguments that ``avloc.tools.train`` and ``avloc.tools.test`` share.

A command builds its parser with :func:`run_parser` (the config and the work dir),
adds its own arguments, and parses with :func:`parse_run_args`, which adds the config
overrides and the launcher last, so that they close the ``--help`` listing.
"""
import argparse
import os
import sys
from typing import List, Optional

from mmengine.config import DictAction


def run_parser(description: str, work_dir_holds: str) -> argparse.ArgumentParser:
    """A parser that takes the config file and ``--work-dir``.

    Args:
        description: What the command does, shown by ``--help``.
        work_dir_holds: What the command writes into the work dir, as a plural
            (``'logs and checkpoints'``), for the help of ``--work-dir``.

    Returns:
        argparse.ArgumentParser: The parser, for the command to add its own
        arguments to.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help=f'where {work_dir_holds} go '
                        '(default: work_dirs/<config name>)')
    return parser


def parse_run_args(parser: argparse.ArgumentParser, argv: Optional[List[str]], job: str,
                   cfg_options_help: str = 'override config entries') -> argparse.Namespace:
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank`` to ``parser``, then
    parse ``argv``.

    Args:
        parser: A parser from :func:`run_parser`, with the command's own arguments.
        argv: The arguments (``sys.argv[1:]`` when None).
        job: What the command does, as a gerund (``'training'``), for the help of
            ``--launcher``.
        cfg_options_help: The help of ``--cfg-options``.

    Returns:
        argparse.Namespace: The parsed arguments. ``LOCAL_RANK`` in the environment
        is set to ``--local-rank`` unless it is already set. A config file that does
        not exist ends the command with one line, ``error: <path>: no such config
        file`` (exit status 1), instead of a traceback.
    """
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=cfg_options_help)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help=f'job launcher for distributed {job}')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if not os.path.isfile(args.config):
        sys.exit(f'error: {args.config}: no such config file')
    # torch.distributed.launch passes the rank as --local-rank, while mmengine's
    # init_dist reads it from the environment, as torchrun sets it.
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
