"""Train and score each row of SSL-TIE's ablation (and the LVS / EZ-VSL baselines) on
the embedded benchmark under one fixed budget, over several seeds.

    python tools/analysis/ssltie_ablation.py --seeds 0 1 2 --update-readme

Each (row, seed) trains with ``tools/train.py`` into
``<work-dir>/<row>/seed<k>`` and is scored by ``tools/test.py`` on the test split
(final weights, no checkpoint selection). A finished run leaves ``scores.json``
and is skipped when the script is run again, so an interrupted sweep resumes. The
table (mean and sample standard deviation over seeds, and every seed's value) is
written to ``<work-dir>/ablation.md`` and, with ``--update-readme``, between the
ablation markers of ``configs/ssltie/README.md``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

import numpy as np
from doc_markers import write_between_markers

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ABLATION = 'configs/ssltie/ablation/ssltie_r18_1xb16-2e_avshapes1k_{}.py'
ROWS = {  # row name -> (config, description)
    'a-contrastive': (ABLATION.format('a-contrastive'), 'contrastive loss only'),
    'b-appearance': (ABLATION.format('b-appearance'), '+ appearance aug'),
    'c-geometric': (ABLATION.format('c-geometric'), '+ geometric aug'),
    'd-specaugment': (ABLATION.format('d-specaugment'), '+ spectrogram masking'),
    'e-mixing': (ABLATION.format('e-mixing'), '+ audio mixing'),
    'f-equivariance': (ABLATION.format('f-equivariance'),
                       '+ equivariance loss (pipeline views)'),
    'f-equivariance-batchview': (ABLATION.format('f-equivariance-batchview'),
                                 '+ equivariance loss (batch transform view)'),
    'lvs': ('configs/lvs/lvs_r18_1xb16-2e_avshapes1k.py', 'LVS (baseline)'),
    'ezvsl': ('configs/ezvsl/ezvsl_r18_1xb16-2e_avshapes1k.py', 'EZ-VSL (baseline)'),
}
SCORES = ('ciou/cIoU@0.5', 'ciou/AUC')
README = 'configs/ssltie/README.md'
MARKERS = ('<!-- ablation-table:start -->', '<!-- ablation-table:end -->')


def run(cmd: List[str], log_file: str) -> None:
    with open(log_file, 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        sys.exit(f'failed ({log_file}): {" ".join(cmd)}')


def train_and_score(config: str, work_dir: str, seed: int, options: List[str]) -> dict:
    """One run; returns the saved scores (reused when the run already finished)."""
    scores_file = osp.join(work_dir, 'scores.json')
    if osp.isfile(scores_file):
        with open(scores_file) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    extra = ['--cfg-options', *options] if options else []
    start = time.time()
    run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir, '--seed',
         str(seed), *extra], osp.join(work_dir, 'train.log'))
    train_s = time.time() - start
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    tmp = scores_file + '.tmp'
    run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', work_dir,
         '--metrics-out', tmp, *extra], osp.join(work_dir, 'test.log'))
    with open(tmp) as f:
        scores = dict(json.load(f)['metrics'], train_seconds=train_s, seed=seed)
    with open(scores_file, 'w') as f:
        json.dump(scores, f, indent=1)
    os.remove(tmp)
    return scores


def mean_sd(values: np.ndarray) -> str:
    """'mean ± sample sd', or the mean alone for one seed (no spread to show)."""
    if len(values) == 1:
        return f'{values[0]:.3f} (one seed)'
    return f'{values.mean():.3f} ± {values.std(ddof=1):.3f}'


def format_table(results: Dict[str, List[dict]], seeds: List[int]) -> str:
    lines = [f'| row | cIoU@0.5 (mean ± sd) | AUC (mean ± sd) | cIoU@0.5 per seed '
             f'({", ".join(map(str, seeds))}) | train time |',
             '|---|---|---|---|---|']
    for name, runs in results.items():
        ciou = np.array([r[SCORES[0]] for r in runs])
        auc = np.array([r[SCORES[1]] for r in runs])
        minutes = np.mean([r['train_seconds'] for r in runs]) / 60
        lines.append(f'| {ROWS[name][1]} | {mean_sd(ciou)} | {mean_sd(auc)} | '
                     f'{" / ".join(f"{c:.3f}" for c in ciou)} | {minutes:.1f} min |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', nargs='+', default=list(ROWS), choices=list(ROWS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2],
                        help='training seeds; three show the spread between runs, '
                        'which on this benchmark is as large as some rows\' effects')
    parser.add_argument('--work-dir', default='work_dirs/ssltie_ablation')
    parser.add_argument('--update-readme', action='store_true',
                        help=f'write the table into {README}')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every train.py and test.py run')
    args = parser.parse_args()
    results, done, durations = {}, 0, []
    total = len(args.rows) * len(args.seeds)
    for name in args.rows:
        results[name] = []
        for seed in args.seeds:
            start = time.time()
            work_dir = osp.join(args.work_dir, name, f'seed{seed}')
            scores = train_and_score(ROWS[name][0], work_dir, seed, args.cfg_options)
            results[name].append(scores)
            done += 1
            if time.time() - start > 1:  # not a reused result
                durations.append(time.time() - start)
            eta = np.mean(durations) * (total - done) / 60 if durations else 0.0
            print(f'[{done}/{total}] {name} seed {seed}: cIoU@0.5 '
                  f'{scores[SCORES[0]]:.3f}, AUC {scores[SCORES[1]]:.3f} '
                  f'(ETA {eta:.0f} min)', flush=True)
    table = format_table(results, args.seeds)
    with open(osp.join(args.work_dir, 'ablation.md'), 'w') as f:
        f.write(table + '\n')
    print(table)
    if args.update_readme:
        write_between_markers(osp.join(ROOT, README), MARKERS, table)


if __name__ == '__main__':
    main()
