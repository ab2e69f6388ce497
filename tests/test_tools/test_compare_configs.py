"""The sweep script: runs, aggregates over seeds, resumes, rescores, writes its table
into a document; the shipped sweeps reproduce the tables they own."""
import json
import os

import numpy as np
import pytest
import yaml
from analysis_scripts import import_analysis, table_rows
from tool_runner import ROOT, data_options, run_tool

ROW = 'configs/ssltie/ablation/ssltie_r18_1xb16-2e_avshapes1k_a-contrastive.py'
MARKERS = ['<!-- t:start -->', '<!-- t:end -->']
TINY_RUN = ['train_dataloader.batch_size=8', 'train_cfg.max_epochs=1']


def write_sweep(path, doc, columns, test_options=()):
    with open(path, 'w') as f:
        yaml.safe_dump(dict(work_dir='unused', doc=str(doc), markers=MARKERS,
                            columns=columns, test_options=list(test_options),
                            rows=[dict(name='a', config=ROW, description='row a')]), f)
    return str(path)


def between_markers(path):
    text = open(path).read()
    return text.split(MARKERS[0] + '\n')[1].split('\n' + MARKERS[1])[0]


def test_a_sweep_runs_resumes_rescores_and_writes_its_doc(tiny_avshapes, tmp_path):
    work_dir = str(tmp_path / 'runs')
    doc = tmp_path / 'doc.md'
    doc.write_text(f'# Intro\n\n{MARKERS[0]}\nold\n{MARKERS[1]}\n\nAfter.\n')
    sweep = write_sweep(tmp_path / 'sweep.yml', doc,
                        ['ciou', 'auc', 'ciou_per_seed', 'seeds', 'train_time'])
    args = ['--seeds', '0', '1', '--work-dir', work_dir, '--update-doc',
            '--cfg-options', *data_options(tiny_avshapes), *TINY_RUN]
    log = run_tool('tools/analysis/compare_configs.py', sweep, *args)
    runs = [os.path.join(work_dir, 'a', f'seed{s}') for s in (0, 1)]
    scores = [json.load(open(os.path.join(r, 'scores.json'))) for r in runs]
    assert [s['seed'] for s in scores] == [0, 1]
    ciou = np.array([s['ciou/cIoU@0.5'] for s in scores])
    assert '[2/2] a seed 1: cIoU@0.5' in log and 'ETA' in log
    table = table_rows(between_markers(doc))
    assert table[0] == ['row', 'cIoU@0.5 (mean ± sd)', 'AUC (mean ± sd)',
                        'cIoU@0.5 per seed', 'seeds', 'train time']
    assert table[2][:2] == ['row a', f'{ciou.mean():.3f} ± {ciou.std(ddof=1):.3f}']
    assert table[2][3:5] == [f'{ciou[0]:.3f} / {ciou[1]:.3f}', '0, 1']
    assert open(doc).read().startswith('# Intro\n') and open(doc).read().endswith('After.\n')
    assert between_markers(doc) + '\n' == open(os.path.join(work_dir, 'table.md')).read()

    # Another sweep over the same runs that reads the extended protocol's scores:
    # nothing is trained again; each run is scored again from its final weights.
    stamps = [os.stat(os.path.join(r, 'train.log')).st_mtime_ns for r in runs]
    sweep = write_sweep(tmp_path / 'extended.yml', doc,
                        ['ciou_seeds', 'ap_seeds', 'max_f1_seeds', 'margin', 'localises'],
                        ['test_evaluator.extended=True'])
    log = run_tool('tools/analysis/compare_configs.py', sweep, *args)
    assert [os.stat(os.path.join(r, 'train.log')).st_mtime_ns for r in runs] == stamps
    assert all(os.path.isfile(os.path.join(r, 'test_rescore.log')) for r in runs)
    scores = [json.load(open(os.path.join(r, 'scores.json'))) for r in runs]
    ap = [s['ciou/extended/AP@0.5'] for s in scores]
    assert scores[0]['ciou/cIoU@0.5'] == ciou[0]  # the same weights, the same score
    cells = table_rows(between_markers(doc))[2]
    assert cells[2].endswith(f'({ap[0]:.3f} / {ap[1]:.3f})')
    assert cells[5].endswith('of 2 seeds)')
    # A third run finds every score it needs and scores nothing again.
    rescored = [os.stat(os.path.join(r, 'test_rescore.log')).st_mtime_ns for r in runs]
    run_tool('tools/analysis/compare_configs.py', sweep, '--seeds', '0', '1', '--work-dir',
             work_dir, '--table-only', '--cfg-options', *data_options(tiny_avshapes))
    assert [os.stat(os.path.join(r, 'test_rescore.log')).st_mtime_ns
            for r in runs] == rescored


def test_one_seed_shows_no_spread():
    module = import_analysis('compare_configs')
    assert module.mean_sd(np.array([0.25])) == '0.250 (one seed)'
    assert module.mean_sd(np.array([0.2, 0.4])) == '0.300 ± 0.141'
    assert module.mean_sd_seeds(np.array([0.2, 0.4])) == '0.300 ± 0.141 (0.200 / 0.400)'


def fake_runs(cious, prior=0.12, other=None):
    return [{'ciou/cIoU@0.5': c, 'ciou/AUC': 0.4, 'ciou/centre_prior/cIoU@0.5': prior,
             'ciou/centre_prior/AUC': 0.37,
             'ciou/other_audio/cIoU@0.5': c if other is None else other,
             'ciou/extended/AP@0.5': 0.3, 'ciou/extended/max_F1@0.5': 0.5,
             'train_loss': [5.5, 2.0], 'train_seconds': 60, 'seed': s}
            for s, c in enumerate(cious)]


def test_the_v2_ablation_table_shows_overfitting_and_controls(tmp_path):
    module = import_analysis('compare_configs')
    sweep = module.load_sweep(os.path.join(
        ROOT, 'configs', 'ssltie', 'ablation', 'sweep_avshapes2-small.yml'))
    runs = fake_runs((0.3, 0.5), other=0.1)
    for s, run in enumerate(runs):
        run.update(val_curve={'4': 0.2, '8': run['ciou/cIoU@0.5']},
                   train_clips={'ciou/cIoU@0.5': 0.9}, train_loss=[2.8, 0.5 + s])
    table = module.format_table({'a-contrastive': runs}, sweep)
    assert '| contrastive loss only | 0.400 ± 0.141 |' in table
    assert '4: 0.200, 8: 0.400 | 0.900 ± 0.000 | 2.80 → 1.00 | 0, 1 | 1.0 min |' in table
    os.makedirs(tmp_path / 'untrained' / 'a-contrastive')
    json.dump({'ciou/cIoU@0.5': 0.05, 'ciou/AUC': 0.2},
              open(tmp_path / 'untrained' / 'a-contrastive' / 'scores.json', 'w'))
    json.dump(dict(num_train=10, num_test=20, accuracy=0.4, chance=0.41,
                   train_accuracy=0.5), open(tmp_path / 'frame_only.json', 'w'))
    text = module.controls(sweep, str(tmp_path), [], {'a-contrastive': runs})
    assert '| centre prior (a centred disc of half the frame) | 0.120 | 0.370 |' in text
    assert ('| untrained model (random weights, contrastive loss only row) | 0.050 | '
            '0.200 |') in text
    assert '0.400 of held-out clips, chance 0.410' in text


@pytest.mark.parametrize('budget,markers', [
    ('avshapes1k', ('<!-- ablation-table:start -->', '<!-- ablation-table:end -->')),
    ('avshapes2-small', ('<!-- ablation-v2-table:start -->',
                         '<!-- ablation-v2-table:end -->'))])
def test_the_ablation_sweeps_own_their_readme_tables(budget, markers):
    """The sweeps write the tables of configs/ssltie/README.md as they stand: the
    same markers, header and rows in the same order."""
    module = import_analysis('compare_configs')
    sweep = module.load_sweep(os.path.join(ROOT, 'configs', 'ssltie', 'ablation',
                                           f'sweep_{budget}.yml'))
    assert sweep.markers == markers and sweep.doc == 'configs/ssltie/README.md'
    readme = open(os.path.join(ROOT, sweep.doc)).read()
    block = readme.split(markers[0])[1].split(markers[1])[0]
    rows = table_rows(block.split('\n\n')[0])
    assert rows[0] == table_rows(module.format_table({}, sweep))[0]
    assert [r[0] for r in rows[2:]] == [r.description for r in sweep.rows.values()]


def test_the_comparison_shows_a_row_at_its_controls():
    module = import_analysis('compare_configs')
    sweep = module.load_sweep(os.path.join(
        ROOT, 'configs', 'sweep_method_comparison_avshapes1k.yml'))
    assert sweep.test_options == ('test_evaluator.extended=True',)
    table = table_rows(module.format_table(
        {'lvs': fake_runs((0.40, 0.50, 0.45)),
         'ezvsl': fake_runs((0.12, 0.14, 0.10)),  # at the prior and other audio
         'slavc': fake_runs((0.40, 0.10, 0.40), other=0.12)}, sweep))
    header = table[0]
    by_row = {r[0]: dict(zip(header, r)) for r in table[2:]}
    verdict = next(h for h in header if h.startswith('localises'))
    assert by_row['LVS'][verdict] == 'no (0 of 3 seeds)'  # other audio does as well
    assert by_row['EZ-VSL'][verdict] == 'no (0 of 3 seeds)'
    assert by_row['SLAVC'][verdict] == 'mixed (2 of 3 seeds)'
    assert by_row['SLAVC']['cIoU@0.5 − the better control'] == (
        '0.180 ± 0.173 (0.280 / -0.020 / 0.280)')
    assert by_row['EZ-VSL']['cIoU@0.5'] == '0.120 ± 0.020 (0.120 / 0.140 / 0.100)'
    assert by_row['EZ-VSL']['centre prior cIoU@0.5'] == '0.120'
    assert by_row['LVS']['AP@0.5 (extended)'] == '0.300 ± 0.000 (0.300 / 0.300 / 0.300)'
    localising = fake_runs((0.40, 0.50, 0.45), other=0.1)
    assert module.localises(localising) == 'yes (3 of 3 seeds)'


@pytest.mark.parametrize('change,message', [
    (dict(columns=['ciou', 'nope']), r"unknown columns \['nope'\]"),
    (dict(controls=['nope']), r"unknown controls \['nope'\]"),
    (dict(rows=[dict(name='a', config=ROW, description='x')] * 2), 'listed twice'),
    (dict(extra=1), 'a sweep is a mapping')])
def test_a_wrong_sweep_says_what_is_wrong(tmp_path, change, message):
    module = import_analysis('compare_configs')
    spec = dict(dict(work_dir='w', doc='d.md', markers=MARKERS, columns=['ciou'],
                     rows=[dict(name='a', config=ROW, description='x')]), **change)
    path = tmp_path / 'sweep.yml'
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(ValueError, match=message):
        module.load_sweep(str(path))


def shipped_rows():
    module = import_analysis('compare_configs')
    return [(os.path.relpath(s.path, ROOT), row.config) for s in module.shipped_sweeps()
            for row in s.rows.values()]


@pytest.mark.parametrize('sweep,config', shipped_rows())
def test_shipped_sweeps_name_existing_configs(sweep, config):
    assert os.path.isfile(os.path.join(ROOT, config)), sweep


def test_the_shipped_sweeps_are_found():
    names = {sweep for sweep, _ in shipped_rows()}
    assert names == {'configs/ssltie/ablation/sweep_avshapes1k.yml',
                     'configs/ssltie/ablation/sweep_avshapes2-small.yml',
                     'configs/sweep_method_comparison_avshapes1k.yml'}
