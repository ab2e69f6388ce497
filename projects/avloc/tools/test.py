"""Evaluate a checkpoint on a config's test split and print the scores.

    python tools/test.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py \
        work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth --show-dir overlays
    avloc-test CONFIG CHECKPOINT ...   # the same, from an installed avloc

``tools/test.py`` (and ``tools/dist_test.sh`` through it) calls :func:`main`.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

from mmengine.dist import is_main_process
from mmengine.runner import Runner

import avloc  # noqa: F401  (registers avloc's modules)
from avloc.apis.input_errors import exit_on_input_error
from avloc.engine import (SELECTED_ON_TEST, load_run_config, loaded_selection,
                          prepare_cpu_distributed)
from avloc.evaluation import DumpPredictions
from avloc.registry import RUNNERS
from avloc.tools.common_args import parse_run_args, run_parser
from avloc.tools.evaluation_report import (format_report, instance_config, protocol_rows,
                                           report_config, test_set_summary, write_report)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line (``sys.argv[1:]`` when ``argv`` is None)."""
    parser = run_parser('Test an avloc model', 'logs and overlays')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' to score the "
                        'untrained (randomly initialised) model')
    parser.add_argument('--show-dir', help='write heatmap overlays of test clips as PNG '
                        'into this folder (relative to the work dir)')
    parser.add_argument('--show-num', type=int, default=16,
                        help='how many overlays to write')
    parser.add_argument('--dump', help="write each clip's heatmaps and ground truth to "
                        'this file (for plot_ciou_curve.py; tensors only, it loads '
                        'without trusting a pickle)')
    parser.add_argument('--metrics-out', help='also write the scores to this JSON file')
    parser.add_argument('--report', metavar='DIR',
                        help='score every protocol the test set supports (each cIoU '
                        'protocol, SLAVC extended AP / max-F1, negative audio, per '
                        'instance, AVSBench mIoU / F-score) and write report.txt and '
                        'report.json into DIR (docs/evaluation.md defines each column)')
    return parse_run_args(parser, argv, 'testing')


def _cell(value) -> str:
    return f'{value:.4f}' if isinstance(value, float) else str(value)


def _grid(rows: Dict[str, dict]) -> List[str]:
    columns = list(dict.fromkeys(c for row in rows.values() for c in row))
    table = [['', *columns]] + [[name, *(_cell(row[c]) if c in row else '-'
                                         for c in columns)] for name, row in rows.items()]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns) + 1)]
    lines = ['  '.join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(line, widths))) for line in table]
    return [lines[0], '-' * len(lines[0]), *lines[1:]]


def format_table(metrics: dict) -> str:
    """The scores as tables: one row per thing scored (the model, the centre prior,
    the other-audio control, each size bin, ...), one column per score.

    A key ``<metric>/<row ...>/<score>`` goes to row ``<row ...>`` (``model`` when
    there is none) and column ``<score>``. Rows with the same columns share a table,
    as do rows under one heading (``size/small``, ``size/large``, ...); the clip
    counts of the whole test set close it.
    """
    rows, counts, heading = {}, [], {}
    for key, value in metrics.items():
        parts = key.split('/')[1:] or [key]  # drop the metric's prefix
        if len(parts) == 1 and parts[0].startswith('num_'):
            counts.append(f'{parts[0]}: {value}')
            continue
        name = ' '.join(parts[:-1]) or 'model'
        rows.setdefault(name, {})[parts[-1]] = value
        if len(parts) > 2:
            heading[name] = parts[0]
    groups: Dict[object, dict] = {}
    for name, row in rows.items():
        groups.setdefault(heading.get(name, tuple(row)), {})[name] = row
    blocks = ['\n'.join(_grid(group)) for group in groups.values()]
    return '\n\n'.join(blocks + ['  '.join(counts)] if counts else blocks)


def describe_test_set(dataset, evaluator_cfg) -> str:
    """One line naming the test list, its md5 and the protocol."""
    meta = dataset.metainfo
    cfgs = evaluator_cfg if isinstance(evaluator_cfg, list) else [evaluator_cfg]
    protocols = [str(c.get('protocol', 'lvs')) for c in cfgs if c.get('type') == 'CIoUMetric']
    return (f'{meta.get("list_name", dataset.ann_file)} (md5 '
            f'{meta.get("list_md5", "unknown")}, {meta.get("num_listed", len(dataset))} '
            f'clips listed)' + (f', cIoU protocol {", ".join(protocols)}' if protocols
                                else ''))


def build_runner(cfg) -> Runner:
    """The config's runner with its checkpoint loaded; a checkpoint that is refused,
    unreadable or does not fit ends the command with one line (exit status 1)."""
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    with exit_on_input_error():
        runner.load_or_resume()
    return runner


def main(argv: Optional[List[str]] = None) -> None:
    """Test as ``tools/test.py`` / ``avloc-test`` with arguments ``argv``."""
    args = parse_args(argv)
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.checkpoint != 'none':
        if not osp.isfile(args.checkpoint):
            sys.exit(f'error: {args.checkpoint}: checkpoint not found')
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
    if args.report:
        report_config(cfg)
    prepare_cpu_distributed(cfg)
    runner = build_runner(cfg)
    if args.dump:
        runner.test_evaluator.metrics.append(DumpPredictions(out_file=args.dump))
    metrics = runner.test()
    instances = []
    if args.report and cfg.get('instance_test_dataloader'):
        # the per-instance test set in a runner of its own: its own loop and progress
        instance_cfg = instance_config(cfg)
        instances = instance_cfg.test_evaluator
        metrics.update(build_runner(instance_cfg).test())
    # A checkpoint whose meta says it was chosen on the test set (select_on_test)
    # gives no held-out score: the header and the JSON say so.
    selection = 'test set' if loaded_selection(runner) else None
    if is_main_process():
        note = f'; {SELECTED_ON_TEST}, not a held-out score' if selection else ''
        dataset = runner.test_dataloader.dataset
        header = (f'Test scores of {args.checkpoint} ({osp.basename(args.config)}) on '
                  f'{describe_test_set(dataset, cfg.test_evaluator)}{note}:')
        if args.report:
            prefixes = protocol_rows(cfg.test_evaluator)
            text = format_report(metrics, header, prefixes, protocol_rows(instances))
            meta = dict(config=args.config, checkpoint=args.checkpoint,
                        checkpoint_selection=selection,
                        test_set=test_set_summary(dataset.metainfo, metrics, prefixes[0][0]))
            paths = write_report(args.report, text, metrics, meta)
            print(f'\n{text}\n\nReport written to {paths[0]} and {paths[1]}')
        else:
            print(f'\n{header}\n')
            print(format_table(metrics))
        if args.metrics_out:
            with open(args.metrics_out, 'w') as f:
                json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                               checkpoint_selection=selection, metrics=metrics), f,
                          indent=1)


if __name__ == '__main__':
    main()
