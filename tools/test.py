"""Evaluate a checkpoint on a config's test split and print the scores.

    python tools/test.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py \
        work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth --show-dir overlays
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.dist import is_main_process
from mmengine.evaluator import DumpResults
from mmengine.runner import Runner

import avloc  # noqa: F401  (registers avloc's modules)
from avloc.engine import load_run_config, prepare_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an avloc model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' to score the "
                        'untrained (randomly initialised) model')
    parser.add_argument('--work-dir', help='where logs and overlays go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--show-dir', help='write heatmap overlays of test clips as PNG '
                        'into this folder (relative to the work dir)')
    parser.add_argument('--show-num', type=int, default=16,
                        help='how many overlays to write')
    parser.add_argument('--dump', help='pickle the per-clip predictions to this file')
    parser.add_argument('--metrics-out', help='also write the scores to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher for distributed testing')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def format_table(metrics: dict) -> str:
    """Two aligned columns, one metric a row."""
    width = max(len(k) for k in metrics)
    rows = [f'{k:<{width}}  {v:.4f}' if isinstance(v, float) else f'{k:<{width}}  {v}'
            for k, v in metrics.items()]
    rule = '-' * max(len(r) for r in rows)
    return '\n'.join([rule, *rows, rule])


def main() -> None:
    args = parse_args()
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.checkpoint != 'none':
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'{args.checkpoint}: checkpoint not found')
        cfg.load_from = args.checkpoint
    if args.show_dir:
        for hook in cfg.get('custom_hooks', []):
            if hook['type'] == 'HeatmapVisualizationHook':
                hook.update(draw=True, out_dir=args.show_dir, max_images=args.show_num)
                break
        else:
            cfg.custom_hooks = cfg.get('custom_hooks', []) + [dict(
                type='HeatmapVisualizationHook', draw=True, out_dir=args.show_dir,
                max_images=args.show_num)]
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    if args.dump:
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.dump))
    metrics = runner.test()
    if is_main_process():
        print(f'\nTest scores of {args.checkpoint} on {cfg.test_dataloader.dataset.ann_file}:')
        print(format_table(metrics))
        if args.metrics_out:
            with open(args.metrics_out, 'w') as f:
                json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                               metrics=metrics), f, indent=1)


if __name__ == '__main__':
    main()
