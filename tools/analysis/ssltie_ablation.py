"""Train and score each row of SSL-TIE's ablation (and the LVS / EZ-VSL baselines) on
the embedded benchmark under one fixed budget, over several seeds.

    python tools/analysis/ssltie_ablation.py --seeds 0 1 2 --update-readme
    python tools/analysis/ssltie_ablation.py --budget avshapes2-small --update-readme

Each (row, seed) trains with ``tools/train.py`` into
``<work-dir>/<row>/seed<k>`` and is scored by ``tools/test.py`` on the test split
(final weights, no checkpoint selection). A finished run leaves ``scores.json``
and is skipped when the script is run again, so an interrupted sweep resumes
(``--table-only`` writes the table from the runs finished so far). The table
(mean and sample standard deviation over seeds, and every seed's value) is written
to ``<work-dir>/ablation.md`` and, with ``--update-readme``, between the budget's
markers of ``configs/ssltie/README.md``.

The ``avshapes2-small`` budget (AVShapes v2, 128 clips for 16 epochs) also records
overfitting: the validation split's cIoU@0.5 every 4 epochs and the final weights'
score on the training clips; and the controls: the centre prior, the other-audio
control per row, the untrained model, and the frame-only probe
(``avshapes_frame_only.py``).
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Tuple

import avshapes_frame_only
import numpy as np
from doc_markers import write_between_markers

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ABLATION = 'configs/ssltie/ablation/ssltie_r18_1xb16-{}.py'
DESCRIPTIONS = {
    'a-contrastive': 'contrastive loss only',
    'b-appearance': '+ appearance aug',
    'c-geometric': '+ geometric aug',
    'd-specaugment': '+ spectrogram masking',
    'e-mixing': '+ audio mixing',
    'f-equivariance': '+ equivariance loss (pipeline views)',
    'f-equivariance-batchview': '+ equivariance loss (batch transform view)',
    'lvs': 'LVS (baseline)',
    'ezvsl': 'EZ-VSL (baseline)',
}


def budget_rows(schedule_dataset: str) -> Dict[str, Tuple[str, str]]:
    """Row name -> (config, description) for one budget, e.g. '2e_avshapes1k'."""
    rows = {name: (ABLATION.format(f'{schedule_dataset}_{name}'), text)
            for name, text in DESCRIPTIONS.items() if name not in ('lvs', 'ezvsl')}
    for name in ('lvs', 'ezvsl'):
        rows[name] = (f'configs/{name}/{name}_r18_1xb16-{schedule_dataset}.py',
                      DESCRIPTIONS[name])
    return rows


#: The budgets: AVShapes v1, the first 1,000 clips for 2 epochs (the original
#: record); AVShapes v2, 128 clips for 16 epochs (overfitting measured: the
#: validation split every 4 epochs and the final weights on the training clips).
BUDGETS = {
    'avshapes1k': dict(rows=budget_rows('2e_avshapes1k'),
                       work_dir='work_dirs/ssltie_ablation',
                       markers=('<!-- ablation-table:start -->',
                                '<!-- ablation-table:end -->'),
                       overfitting=False),
    'avshapes2-small': dict(rows=budget_rows('16e_avshapes2-small'),
                            work_dir='work_dirs/ssltie_ablation_avshapes2',
                            markers=('<!-- ablation-v2-table:start -->',
                                     '<!-- ablation-v2-table:end -->'),
                            overfitting=True),
}
#: The original record's rows (other tools read them).
ROWS = BUDGETS['avshapes1k']['rows']
SCORES = ('ciou/cIoU@0.5', 'ciou/AUC')
README = 'configs/ssltie/README.md'


def run(cmd: List[str], log_file: str) -> None:
    with open(log_file, 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        sys.exit(f'failed ({log_file}): {" ".join(cmd)}')


def _scalars(work_dir: str) -> List[dict]:
    """Every entry of the run's vis_data/scalars.json files, in order."""
    entries = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            entries += [json.loads(line) for line in f]
    return entries


def val_curve(work_dir: str) -> Dict[str, float]:
    """Validation cIoU@0.5 by epoch (keys: the epoch as text, as JSON keeps them)."""
    return {str(e['step']): e[SCORES[0]] for e in _scalars(work_dir) if SCORES[0] in e}


def first_and_last_loss(work_dir: str) -> List[float]:
    """The training loss at the first and the last logged iteration: how far the
    training clips were fitted (the contrastive loss starts near log(batch size))."""
    losses = [e['loss'] for e in _scalars(work_dir) if 'loss' in e]
    return [losses[0], losses[-1]]


def test(config: str, checkpoint: str, work_dir: str, out: str, options: List[str],
         log_name: str = 'test.log') -> dict:
    """Score ``checkpoint`` ('none': random weights) with tools/test.py; the metrics."""
    extra = ['--cfg-options', *options] if options else []
    tmp = out + '.tmp'
    run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', work_dir,
         '--metrics-out', tmp, *extra], osp.join(work_dir, log_name))
    with open(tmp) as f:
        metrics = json.load(f)['metrics']
    os.remove(tmp)
    return metrics


def train_and_score(config: str, work_dir: str, seed: int, options: List[str],
                    overfitting: bool = False) -> dict:
    """One run; returns the saved scores (reused when the run already finished).

    With ``overfitting``, the scores also hold the validation curve
    (``val_curve``) and the final weights' scores on the training clips
    (``train_clips``).
    """
    scores_file = osp.join(work_dir, 'scores.json')
    if osp.isfile(scores_file):
        with open(scores_file) as f:
            scores = json.load(f)
        if overfitting and 'train_loss' not in scores:  # from before the loss was kept
            scores['train_loss'] = first_and_last_loss(work_dir)
        return scores
    os.makedirs(work_dir, exist_ok=True)
    extra = ['--cfg-options', *options] if options else []
    start = time.time()
    run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir, '--seed',
         str(seed), *extra], osp.join(work_dir, 'train.log'))
    train_s = time.time() - start
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    scores = dict(test(config, checkpoint, work_dir, scores_file, options),
                  train_seconds=train_s, seed=seed)
    if overfitting:
        scores['val_curve'] = val_curve(work_dir)
        scores['train_loss'] = first_and_last_loss(work_dir)
        on_train = test(config, checkpoint, work_dir, scores_file, options + [
            'test_dataloader.dataset.ann_file=train.txt'], 'test_train_clips.log')
        scores['train_clips'] = {k: on_train[k] for k in SCORES}
    with open(scores_file, 'w') as f:
        json.dump(scores, f, indent=1)
    return scores


def mean_sd(values: np.ndarray) -> str:
    """'mean ± sample sd', or the mean alone for one seed (no spread to show)."""
    if len(values) == 1:
        return f'{values[0]:.3f} (one seed)'
    return f'{values.mean():.3f} ± {values.std(ddof=1):.3f}'


def format_table(results: Dict[str, List[dict]], rows: Dict[str, Tuple[str, str]],
                 overfitting: bool = False) -> str:
    """One line per row: mean ± sd over the finished seeds and every seed's value;
    with ``overfitting``, the other-audio control, the mean validation curve and the
    training clips' score too."""
    header = ['row', 'cIoU@0.5 (mean ± sd)', 'AUC (mean ± sd)', 'cIoU@0.5 per seed']
    if overfitting:
        header += ['other audio cIoU@0.5', 'val cIoU@0.5 by epoch (mean)',
                   'training clips cIoU@0.5', 'training loss, first → last (mean)']
    header += ['seeds', 'train time']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for name, runs in results.items():
        if not runs:
            continue
        ciou = np.array([r[SCORES[0]] for r in runs])
        auc = np.array([r[SCORES[1]] for r in runs])
        cells = [rows[name][1], mean_sd(ciou), mean_sd(auc),
                 ' / '.join(f'{c:.3f}' for c in ciou)]
        if overfitting:
            other = np.array([r['ciou/other_audio/cIoU@0.5'] for r in runs])
            epochs = sorted(runs[0]['val_curve'], key=int)
            curve = [np.mean([r['val_curve'][e] for r in runs]) for e in epochs]
            train = np.array([r['train_clips'][SCORES[0]] for r in runs])
            loss = np.mean([r['train_loss'] for r in runs], 0)
            cells += [mean_sd(other),
                      ', '.join(f'{e}: {c:.3f}' for e, c in zip(epochs, curve)),
                      mean_sd(train), f'{loss[0]:.2f} → {loss[1]:.2f}']
        cells += [', '.join(str(r['seed']) for r in runs),
                  f'{np.mean([r["train_seconds"] for r in runs]) / 60:.1f} min']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def controls(work_dir: str, rows: Dict[str, Tuple[str, str]], options: List[str],
             results: Dict[str, List[dict]]) -> str:
    """The controls under the budget: the centre prior (the same for every run), the
    untrained first row and the frame-only probe (tools/analysis/avshapes_frame_only.py),
    as a table; each computed once and cached in ``work_dir``."""
    lines = ['| control | cIoU@0.5 | AUC |', '|---|---|---|']
    some_run = next((r[0] for r in results.values() if r), None)
    if some_run:
        lines.append(f'| centre prior (a centred disc of half the frame) | '
                     f'{some_run["ciou/centre_prior/cIoU@0.5"]:.3f} | '
                     f'{some_run["ciou/centre_prior/AUC"]:.3f} |')
    untrained = osp.join(work_dir, 'untrained', 'scores.json')
    if not osp.isfile(untrained):
        os.makedirs(osp.dirname(untrained), exist_ok=True)
        metrics = test(next(iter(rows.values()))[0], 'none', osp.dirname(untrained),
                       untrained, options)
        with open(untrained, 'w') as f:
            json.dump(metrics, f, indent=1)
    if osp.isfile(untrained):
        with open(untrained) as f:
            metrics = json.load(f)
        lines.append(f'| untrained model (random weights, {rows["a-contrastive"][1]} row) | '
                     f'{metrics[SCORES[0]]:.3f} | {metrics[SCORES[1]]:.3f} |')
    probe_file = osp.join(work_dir, 'frame_only.json')
    if not osp.isfile(probe_file):
        result = avshapes_frame_only.probe(avshapes_frame_only.v2_settings(seed=1))
        with open(probe_file, 'w') as f:
            json.dump(result, f, indent=1)
    text = '\n'.join(lines)
    if osp.isfile(probe_file):
        with open(probe_file) as f:
            probe = json.load(f)
        text += (f'\n\nFrame-only probe (`python tools/analysis/avshapes_frame_only.py`, '
                 f'{probe["num_train"]:,} training and {probe["num_test"]:,} held-out clips of '
                 f'seed 1): picks the sounding object from the frame alone in '
                 f'{probe["accuracy"]:.3f} of held-out clips, chance '
                 f'{probe["chance"]:.3f} (training clips {probe["train_accuracy"]:.3f}).')
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--budget', choices=list(BUDGETS), default='avshapes1k',
                        help='avshapes1k: the original record; avshapes2-small: '
                        'AVShapes v2, a small set for many epochs')
    parser.add_argument('--rows', nargs='+', help='rows to run (default: all of the '
                        f'budget: {", ".join(DESCRIPTIONS)})')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2],
                        help='training seeds; three show the spread between runs, '
                        'which on this benchmark is as large as some rows\' effects')
    parser.add_argument('--work-dir', help='default: the budget\'s')
    parser.add_argument('--update-readme', action='store_true',
                        help=f'write the table into {README}')
    parser.add_argument('--table-only', action='store_true',
                        help='train nothing: write the table from the finished runs '
                        '(the controls are still measured if missing)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every train.py and test.py run')
    args = parser.parse_args()
    budget = BUDGETS[args.budget]
    rows = budget['rows']
    names = args.rows or list(rows)
    work_root = args.work_dir or budget['work_dir']
    results = {name: [] for name in names}
    done, durations = 0, []
    total = len(names) * len(args.seeds)
    # Seeds outside, rows inside: an interrupted sweep has every row at some seeds.
    for seed in args.seeds:
        for name in names:
            work_dir = osp.join(work_root, name, f'seed{seed}')
            if args.table_only:
                if osp.isfile(osp.join(work_dir, 'scores.json')):
                    results[name].append(train_and_score(
                        rows[name][0], work_dir, seed, args.cfg_options,
                        budget['overfitting']))
                continue
            start = time.time()
            scores = train_and_score(rows[name][0], work_dir, seed, args.cfg_options,
                                     budget['overfitting'])
            results[name].append(scores)
            done += 1
            if time.time() - start > 1:  # not a reused result
                durations.append(time.time() - start)
            eta = np.mean(durations) * (total - done) / 60 if durations else 0.0
            print(f'[{done}/{total}] {name} seed {seed}: cIoU@0.5 '
                  f'{scores[SCORES[0]]:.3f}, AUC {scores[SCORES[1]]:.3f} '
                  f'(ETA {eta:.0f} min)', flush=True)
    for runs in results.values():
        runs.sort(key=lambda r: r['seed'])
    table = format_table(results, rows, budget['overfitting'])
    if budget['overfitting']:
        table += '\n\n' + controls(work_root, rows, args.cfg_options, results)
    os.makedirs(work_root, exist_ok=True)
    with open(osp.join(work_root, 'ablation.md'), 'w') as f:
        f.write(table + '\n')
    print(table)
    if args.update_readme:
        write_between_markers(osp.join(ROOT, README), budget['markers'], table)


if __name__ == '__main__':
    main()
