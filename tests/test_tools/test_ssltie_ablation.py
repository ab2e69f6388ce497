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
