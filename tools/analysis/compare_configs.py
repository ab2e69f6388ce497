"""Train and score the configs of a sweep file under one budget, over several seeds,
and write their table into a document.

    python tools/analysis/compare_configs.py configs/sweep_method_comparison_avshapes1k.yml \\
        --seeds 0 1 2 --update-doc
    python tools/analysis/compare_configs.py configs/ssltie/ablation/sweep_avshapes1k.yml \\
        --seeds 0 1 2 --update-doc

A sweep file (YAML) lists the rows, each a ``name``, a ``config`` and a
``description`` (the row's label in the table), and says where the runs live
(``work_dir``), which ``columns`` and ``controls`` the table has, any
``test_options`` (``--cfg-options`` for the scoring runs only, e.g. SLAVC's
extended protocol) and the document (``doc``) and ``markers`` that
``--update-doc`` writes between. The script knows no method: a row is a config.

Each (row, seed) trains with ``tools/train.py`` into ``<work_dir>/<row>/seed<k>``
and is scored by ``tools/test.py`` on the test split (final weights, no checkpoint
selection). A finished run leaves ``scores.json`` and is skipped when the script is
run again, so an interrupted sweep resumes (``--table-only`` writes the table from
the runs finished so far); a finished run that lacks a score the columns now need
is scored again from its final weights, never retrained. The table (mean and sample
standard deviation over seeds, and every seed's value) goes to
``<work_dir>/table.md`` and, with ``--update-doc``, between the sweep's markers.

Configs whose weights start from the AVShapes stand-in for ImageNet
(``docs/avshapes_standin.md``) get it built before the first run, so that its cost
is not counted in a run's time.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import yaml
from doc_markers import write_between_markers

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The sweeps this repository ships (other tools read their rows).
SWEEP_GLOB = 'configs/**/sweep_*.yml'

CIOU, AUC = 'ciou/cIoU@0.5', 'ciou/AUC'
OTHER_AUDIO, CENTRE_PRIOR = 'ciou/other_audio/cIoU@0.5', 'ciou/centre_prior/cIoU@0.5'
AP, MAX_F1 = 'ciou/extended/AP@0.5', 'ciou/extended/max_F1@0.5'
#: A seed localises when its cIoU@0.5 beats both of its controls (the centre prior
#: and its own model given another clip's audio) by this much: 25 of the 500 test
#: clips, about three binomial standard deviations of a share near 0.2.
LOCALISES_MARGIN = 0.05


@dataclass(frozen=True)
class Row:
    name: str
    config: str
    description: str


@dataclass(frozen=True)
class Sweep:
    path: str
    rows: Dict[str, Row]
    work_dir: str
    doc: str
    markers: Tuple[str, str]
    columns: Tuple[str, ...]
    controls: Tuple[str, ...] = ()
    test_options: Tuple[str, ...] = ()


# ---------------------------------------------------------------- the table's cells


def values(runs: List[dict], key: str) -> np.ndarray:
    return np.array([r[key] for r in runs], dtype=float)


def mean_sd(values: np.ndarray) -> str:
    """'mean ± sample sd', or the mean alone for one seed (no spread to show)."""
    if len(values) == 1:
        return f'{values[0]:.3f} (one seed)'
    return f'{values.mean():.3f} ± {values.std(ddof=1):.3f}'


def mean_sd_seeds(values: np.ndarray) -> str:
    """'mean ± sd (seed / seed / ...)': the spread and every seed's value."""
    if len(values) == 1:
        return f'{values[0]:.3f} (one seed)'
    return f'{mean_sd(values)} ({" / ".join(f"{v:.3f}" for v in values)})'


def margin_over_controls(runs: List[dict]) -> np.ndarray:
    """Per seed: cIoU@0.5 minus the better of its two controls."""
    return values(runs, CIOU) - np.maximum(values(runs, CENTRE_PRIOR),
                                           values(runs, OTHER_AUDIO))


def localises(runs: List[dict]) -> str:
    """'yes' / 'no' / 'mixed', with how many seeds cleared both controls."""
    passed = int((margin_over_controls(runs) >= LOCALISES_MARGIN).sum())
    verdict = 'yes' if passed == len(runs) else 'no' if passed == 0 else 'mixed'
    return f'{verdict} ({passed} of {len(runs)} seeds)'


def val_curve_cell(runs: List[dict]) -> str:
    epochs = sorted(runs[0]['val_curve'], key=int)
    curve = [np.mean([r['val_curve'][e] for r in runs]) for e in epochs]
    return ', '.join(f'{e}: {c:.3f}' for e, c in zip(epochs, curve))


def train_loss_cell(runs: List[dict]) -> str:
    loss = np.mean([r['train_loss'] for r in runs], 0)
    return f'{loss[0]:.2f} → {loss[1]:.2f}'


@dataclass(frozen=True)
class Column:
    """A table column: its header, its cell from a row's runs (one score dict per
    seed), the test metrics it reads and the extra measurement it needs, if any
    ('val_curve', 'train_loss' or 'train_clips')."""
    header: str
    cell: Callable[[List[dict]], str]
    keys: Tuple[str, ...] = ()
    needs: Optional[str] = None


def _metric(key: str, header: str, seeds: bool = False) -> Column:
    fmt = mean_sd_seeds if seeds else mean_sd
    return Column(header, lambda runs: fmt(values(runs, key)), (key,))


COLUMNS = {
    'ciou': _metric(CIOU, 'cIoU@0.5 (mean ± sd)'),
    'auc': _metric(AUC, 'AUC (mean ± sd)'),
    'ciou_per_seed': Column('cIoU@0.5 per seed', lambda runs: ' / '.join(
        f'{c:.3f}' for c in values(runs, CIOU)), (CIOU,)),
    'other_audio': _metric(OTHER_AUDIO, 'other audio cIoU@0.5'),
    'val_curve': Column('val cIoU@0.5 by epoch (mean)', val_curve_cell, needs='val_curve'),
    'train_clips': Column('training clips cIoU@0.5', lambda runs: mean_sd(np.array(
        [r['train_clips'][CIOU] for r in runs])), needs='train_clips'),
    'train_loss': Column('training loss, first → last (mean)', train_loss_cell,
                         needs='train_loss'),
    # mean ± sd (every seed), for comparisons that show each seed of each score
    'ciou_seeds': _metric(CIOU, 'cIoU@0.5', seeds=True),
    'auc_seeds': _metric(AUC, 'AUC', seeds=True),
    'ap_seeds': _metric(AP, 'AP@0.5 (extended)', seeds=True),
    'max_f1_seeds': _metric(MAX_F1, 'max-F1@0.5 (extended)', seeds=True),
    'other_audio_seeds': _metric(OTHER_AUDIO, 'other audio cIoU@0.5', seeds=True),
    'centre_prior': Column('centre prior cIoU@0.5', lambda runs: (
        f'{values(runs, CENTRE_PRIOR).mean():.3f}'), (CENTRE_PRIOR,)),
    'margin': Column('cIoU@0.5 − the better control', lambda runs: mean_sd_seeds(
        margin_over_controls(runs)), (CIOU, CENTRE_PRIOR, OTHER_AUDIO)),
    'localises': Column(f'localises (≥ {LOCALISES_MARGIN} above both controls)', localises,
                        (CIOU, CENTRE_PRIOR, OTHER_AUDIO)),
    'seeds': Column('seeds', lambda runs: ', '.join(str(r['seed']) for r in runs)),
    'train_time': Column('train time', lambda runs: (
        f'{np.mean([r["train_seconds"] for r in runs]) / 60:.1f} min')),
}
CONTROLS = ('centre_prior', 'untrained', 'frame_only_probe')


# ---------------------------------------------------------------- sweep files


def load_sweep(path: str) -> Sweep:
    """Read and check a sweep file (paths in it are relative to the repository)."""
    with open(path) as f:
        spec = yaml.safe_load(f)
    known = {'rows', 'work_dir', 'doc', 'markers', 'columns', 'controls', 'test_options'}
    if not isinstance(spec, dict) or set(spec) - known or not {
            'rows', 'work_dir', 'doc', 'markers', 'columns'} <= set(spec):
        raise ValueError(f'{path}: a sweep is a mapping with rows, work_dir, doc, markers '
                         f'and columns (optional: controls, test_options); got '
                         f'{sorted(spec) if isinstance(spec, dict) else spec!r}')
    rows = {}
    for entry in spec['rows']:
        row = Row(**entry)
        if row.name in rows:
            raise ValueError(f'{path}: row {row.name!r} is listed twice')
        rows[row.name] = row
    for kind, given, allowed in (('column', spec['columns'], COLUMNS),
                                 ('control', spec.get('controls', []), CONTROLS)):
        unknown = [name for name in given if name not in allowed]
        if unknown:
            raise ValueError(f'{path}: unknown {kind}s {unknown}; known: {", ".join(allowed)}')
    if len(spec['markers']) != 2:
        raise ValueError(f'{path}: markers are a start and an end line')
    return Sweep(path=path, rows=rows, work_dir=spec['work_dir'], doc=spec['doc'],
                 markers=tuple(spec['markers']), columns=tuple(spec['columns']),
                 controls=tuple(spec.get('controls', [])),
                 test_options=tuple(spec.get('test_options', [])))


def shipped_sweeps() -> List[Sweep]:
    return [load_sweep(p) for p in sorted(glob.glob(osp.join(ROOT, SWEEP_GLOB),
                                                    recursive=True))]


# ---------------------------------------------------------------- runs


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
    return {str(e['step']): e[CIOU] for e in _scalars(work_dir) if CIOU in e}


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


def needs_of(columns: Tuple[str, ...]) -> Tuple[set, set]:
    """(test metric keys, extra measurements) that the columns read."""
    keys = {k for c in columns for k in COLUMNS[c].keys}
    return keys, {COLUMNS[c].needs for c in columns if COLUMNS[c].needs}


def require_keys(scores: dict, keys: set, work_dir: str) -> None:
    """Stop, naming them, if the scores lack metrics the columns read."""
    missing = sorted(keys - set(scores))
    if missing:
        sys.exit(f'{work_dir}: tools/test.py gave no {", ".join(missing)}; the '
                 f'sweep\'s test_options must turn them on (e.g. '
                 f'test_evaluator.extended=True for the extended protocol)')


def complete(scores: dict, config: str, work_dir: str, options: List[str],
             test_options: List[str], keys: set, needs: set) -> bool:
    """Add what ``scores`` of a finished run lacks for the columns, without training;
    True if anything was added."""
    missing_keys = keys - set(scores)
    missing = {n for n in needs if n not in scores}
    if not missing_keys and not missing:
        return False
    checkpoint = None
    if missing_keys or 'train_clips' in missing:
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
    scores_file = osp.join(work_dir, 'scores.json')
    if missing_keys:  # e.g. a score the sweep's test options add since the run
        scores.update(test(config, checkpoint, work_dir, scores_file,
                           options + test_options, 'test_rescore.log'))
        require_keys(scores, keys, work_dir)
    if 'val_curve' in missing:
        scores['val_curve'] = val_curve(work_dir)
    if 'train_loss' in missing:
        scores['train_loss'] = first_and_last_loss(work_dir)
    if 'train_clips' in missing:
        on_train = test(config, checkpoint, work_dir, scores_file, options + test_options + [
            'test_dataloader.dataset.ann_file=train.txt'], 'test_train_clips.log')
        scores['train_clips'] = {k: on_train[k] for k in (CIOU, AUC)}
    return True


def train_and_score(config: str, work_dir: str, seed: int, options: List[str],
                    test_options: List[str] = (), keys: set = frozenset(),
                    needs: set = frozenset()) -> dict:
    """One run; returns its scores, reused when the run already finished.

    Args:
        config: The row's config.
        work_dir: ``<work_dir>/<row>/seed<k>``.
        seed: The training seed.
        options: ``--cfg-options`` of every train and test run.
        test_options: ``--cfg-options`` of the scoring runs only.
        keys: Test metrics the table reads; a reused run missing one is scored
            again from its final weights.
        needs: Extra measurements ('val_curve', 'train_loss', 'train_clips').
    """
    test_options = list(test_options)
    scores_file = osp.join(work_dir, 'scores.json')
    if osp.isfile(scores_file):
        with open(scores_file) as f:
            scores = json.load(f)
        if complete(scores, config, work_dir, options, test_options, keys, needs):
            with open(scores_file, 'w') as f:
                json.dump(scores, f, indent=1)
        return scores
    os.makedirs(work_dir, exist_ok=True)
    extra = ['--cfg-options', *options] if options else []
    start = time.time()
    run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir, '--seed',
         str(seed), *extra], osp.join(work_dir, 'train.log'))
    train_s = time.time() - start
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    start = time.time()
    scores = dict(test(config, checkpoint, work_dir, scores_file, options + test_options),
                  train_seconds=train_s, seed=seed)
    scores['test_seconds'] = time.time() - start
    require_keys(scores, keys, work_dir)
    complete(scores, config, work_dir, options, test_options, set(), needs)
    with open(scores_file, 'w') as f:
        json.dump(scores, f, indent=1)
    return scores


# ---------------------------------------------------------------- the table


def format_table(results: Dict[str, List[dict]], sweep: Sweep) -> str:
    """One line per row with finished runs, in the sweep's columns."""
    columns = [COLUMNS[c] for c in sweep.columns]
    header = ['row'] + [c.header for c in columns]
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for name, runs in results.items():
        if runs:
            cells = [sweep.rows[name].description] + [c.cell(runs) for c in columns]
            lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def controls(sweep: Sweep, work_dir: str, options: List[str],
             results: Dict[str, List[dict]]) -> str:
    """The sweep's controls: the centre prior (the same for every run), the untrained
    first row and the frame-only probe (tools/analysis/avshapes_frame_only.py), as a
    table and a sentence; each measured once and cached in ``work_dir``."""
    lines = ['| control | cIoU@0.5 | AUC |', '|---|---|---|']
    some_run = next((r[0] for r in results.values() if r), None)
    if 'centre_prior' in sweep.controls and some_run:
        lines.append(f'| centre prior (a centred disc of half the frame) | '
                     f'{some_run[CENTRE_PRIOR]:.3f} | '
                     f'{some_run["ciou/centre_prior/AUC"]:.3f} |')
    if 'untrained' in sweep.controls:
        first = next(iter(sweep.rows.values()))
        # per first row: sweeps may share a work dir and differ in their first row
        untrained = osp.join(work_dir, 'untrained', first.name, 'scores.json')
        if not osp.isfile(untrained):
            os.makedirs(osp.dirname(untrained), exist_ok=True)
            metrics = test(first.config, 'none', osp.dirname(untrained), untrained,
                           options + list(sweep.test_options))
            with open(untrained, 'w') as f:
                json.dump(metrics, f, indent=1)
        with open(untrained) as f:
            metrics = json.load(f)
        lines.append(f'| untrained model (random weights, {first.description} row) | '
                     f'{metrics[CIOU]:.3f} | {metrics[AUC]:.3f} |')
    text = '\n'.join(lines)
    if 'frame_only_probe' in sweep.controls:
        probe_file = osp.join(work_dir, 'frame_only.json')
        if not osp.isfile(probe_file):
            import avshapes_frame_only  # a sibling script; slow to import (mmengine, cv2)
            result = avshapes_frame_only.probe(avshapes_frame_only.v2_settings(seed=1))
            with open(probe_file, 'w') as f:
                json.dump(result, f, indent=1)
        with open(probe_file) as f:
            probe = json.load(f)
        text += (f'\n\nFrame-only probe (`python tools/analysis/avshapes_frame_only.py`, '
                 f'{probe["num_train"]:,} training and {probe["num_test"]:,} held-out clips of '
                 f'seed 1): picks the sounding object from the frame alone in '
                 f'{probe["accuracy"]:.3f} of held-out clips, chance '
                 f'{probe["chance"]:.3f} (training clips {probe["train_accuracy"]:.3f}).')
    return text


def ensure_standins(configs: List[str], options: List[str]) -> None:
    """Build the AVShapes stand-in of every config that starts from it, now, so that
    no run's time includes it (tools/train.py would build it on first use too)."""
    from mmengine.config import Config, DictAction

    from avloc.tools.standin_weights import ensure_config_standins
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    parsed = parser.parse_args(['--cfg-options', *options] if options else []).cfg_options
    for config in configs:
        cfg = Config.fromfile(osp.join(ROOT, config))
        cfg.merge_from_dict(parsed)
        ensure_config_standins(cfg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('sweep', help='the sweep file (YAML), e.g. '
                        'configs/sweep_method_comparison_avshapes1k.yml')
    parser.add_argument('--rows', nargs='+', help='rows to run (default: all of the sweep)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2],
                        help='training seeds; three show the spread between runs, '
                        'which on this benchmark is as large as some rows\' effects')
    parser.add_argument('--work-dir', help='default: the sweep\'s')
    parser.add_argument('--update-doc', action='store_true',
                        help='write the table between the sweep\'s markers of its doc')
    parser.add_argument('--table-only', action='store_true',
                        help='train nothing: write the table from the finished runs '
                        '(a missing score or control is still measured)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every train.py and test.py run')
    args = parser.parse_args()
    sweep = load_sweep(args.sweep)
    names = args.rows or list(sweep.rows)
    unknown = [n for n in names if n not in sweep.rows]
    missing = [sweep.rows[n].config for n in names if n in sweep.rows
               and not osp.isfile(osp.join(ROOT, sweep.rows[n].config))]
    if unknown or missing:
        sys.exit(f'{args.sweep}: ' + '; '.join(
            ([f'no rows {unknown} (rows: {", ".join(sweep.rows)})'] if unknown else []) +
            ([f'configs not found: {", ".join(missing)}'] if missing else [])))
    work_root = args.work_dir or sweep.work_dir
    keys, needs = needs_of(sweep.columns)
    results = {name: [] for name in names}
    if not args.table_only:
        ensure_standins([sweep.rows[n].config for n in names], args.cfg_options)
    done, durations = 0, []
    total = len(names) * len(args.seeds)
    # Seeds outside, rows inside: an interrupted sweep has every row at some seeds.
    for seed in args.seeds:
        for name in names:
            work_dir = osp.join(work_root, name, f'seed{seed}')
            config = sweep.rows[name].config
            if args.table_only:
                if osp.isfile(osp.join(work_dir, 'scores.json')):
                    results[name].append(train_and_score(
                        config, work_dir, seed, args.cfg_options, sweep.test_options,
                        keys, needs))
                continue
            start = time.time()
            scores = train_and_score(config, work_dir, seed, args.cfg_options,
                                     sweep.test_options, keys, needs)
            results[name].append(scores)
            done += 1
            if time.time() - start > 1:  # not a reused result
                durations.append(time.time() - start)
            eta = np.mean(durations) * (total - done) / 60 if durations else 0.0
            print(f'[{done}/{total}] {name} seed {seed}: cIoU@0.5 '
                  f'{scores[CIOU]:.3f}, AUC {scores[AUC]:.3f} '
                  f'(ETA {eta:.0f} min)', flush=True)
    for runs in results.values():
        runs.sort(key=lambda r: r['seed'])
    table = format_table(results, sweep)
    if sweep.controls:
        table += '\n\n' + controls(sweep, work_root, args.cfg_options, results)
    os.makedirs(work_root, exist_ok=True)
    with open(osp.join(work_root, 'table.md'), 'w') as f:
        f.write(table + '\n')
    print(table)
    if args.update_doc:
        write_between_markers(osp.join(ROOT, sweep.doc), sweep.markers, table)


if __name__ == '__main__':
    main()
