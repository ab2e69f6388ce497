"""The ablation script: runs, aggregates over seeds, resumes, writes its table."""
import importlib.util
import json
import os

import numpy as np
from tool_runner import ROOT, data_options, run_tool


def test_ablation_runs_aggregates_and_resumes(tiny_avshapes, tmp_path):
    work_dir = str(tmp_path / 'ablation')
    args = ['tools/analysis/ssltie_ablation.py', '--rows', 'a-contrastive', '--seeds', '0',
            '1', '--work-dir', work_dir, '--cfg-options', *data_options(tiny_avshapes),
            'train_dataloader.batch_size=8', 'train_cfg.max_epochs=1']
    log = run_tool(*args)
    scores = [json.load(open(os.path.join(work_dir, 'a-contrastive', f'seed{s}',
                                          'scores.json'))) for s in (0, 1)]
    assert [s['seed'] for s in scores] == [0, 1]
    ciou = [s['ciou/cIoU@0.5'] for s in scores]
    mean = sum(ciou) / 2
    assert f'| contrastive loss only | {mean:.3f} ± ' in log
    assert f'{ciou[0]:.3f} / {ciou[1]:.3f}' in log
    # A second run reuses the finished work instead of training again.
    logs = [os.path.join(work_dir, 'a-contrastive', f'seed{s}', 'train.log') for s in (0, 1)]
    stamps = [os.stat(p).st_mtime_ns for p in logs]
    again = run_tool(*args)
    assert [os.stat(p).st_mtime_ns for p in logs] == stamps
    assert f'{mean:.3f} ± ' in again
    assert os.path.isfile(os.path.join(work_dir, 'ablation.md'))


def test_one_seed_shows_no_spread(monkeypatch):
    scripts = os.path.join(ROOT, 'tools', 'analysis')
    monkeypatch.syspath_prepend(scripts)  # the script imports its sibling doc_markers
    spec = importlib.util.spec_from_file_location(
        'ssltie_ablation', os.path.join(scripts, 'ssltie_ablation.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.mean_sd(np.array([0.25])) == '0.250 (one seed)'
    assert module.mean_sd(np.array([0.2, 0.4])) == '0.300 ± 0.141'


def test_v2_table_shows_overfitting_and_controls(monkeypatch, tmp_path):
    scripts = os.path.join(ROOT, 'tools', 'analysis')
    monkeypatch.syspath_prepend(scripts)
    spec = importlib.util.spec_from_file_location(
        'ssltie_ablation', os.path.join(scripts, 'ssltie_ablation.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.BUDGETS['avshapes2-small']['rows']
    assert all(os.path.isfile(os.path.join(ROOT, c)) for c, _ in rows.values())
    runs = [{'ciou/cIoU@0.5': c, 'ciou/AUC': 0.4, 'ciou/other_audio/cIoU@0.5': 0.1,
             'ciou/centre_prior/cIoU@0.5': 0.12, 'ciou/centre_prior/AUC': 0.37,
             'val_curve': {'4': 0.2, '8': c}, 'train_clips': {'ciou/cIoU@0.5': 0.9},
             'train_loss': [2.8, 0.5 + s], 'train_seconds': 60, 'seed': s}
            for s, c in enumerate((0.3, 0.5))]
    table = module.format_table({'a-contrastive': runs}, rows, overfitting=True)
    assert '| contrastive loss only | 0.400 ± 0.141 |' in table
    assert '4: 0.200, 8: 0.400 | 0.900 ± 0.000 | 2.80 → 1.00 | 0, 1 |' in table
    os.makedirs(tmp_path / 'untrained')
    json.dump({'ciou/cIoU@0.5': 0.05, 'ciou/AUC': 0.2},
              open(tmp_path / 'untrained' / 'scores.json', 'w'))
    json.dump(dict(num_train=10, num_test=20, accuracy=0.4, chance=0.41,
                   train_accuracy=0.5), open(tmp_path / 'frame_only.json', 'w'))
    text = module.controls(str(tmp_path), rows, [], {'a-contrastive': runs})
    assert '| centre prior (a centred disc of half the frame) | 0.120 | 0.370 |' in text
    assert '| 0.050 | 0.200 |' in text and '0.400 of held-out clips, chance 0.410' in text
