import os

from tool_runner import run_tool


def test_the_three_checks_are_timed_on_the_generated_tree(tmp_path):
    log = run_tool('tools/analysis/benchmark_dataset_startup.py', '--clips', '50',
                   '--repeats', '1', '--root', str(tmp_path / 'tree'))
    assert 'made 100 empty files' in log
    rows = {}
    for line in log.splitlines():
        cells = [c.strip() for c in line.split('|')[1:-1]]
        if len(cells) == 3 and cells[2].endswith('x'):
            rows[cells[0]] = (float(cells[1]), float(cells[2][:-1]))
    assert sorted(rows) == ['VGGSoundDataset(...)', 'isfile per file',
                            'one scan per directory']
    assert rows['isfile per file'][1] == 1.0  # the baseline
    assert len(os.listdir(tmp_path / 'tree' / 'frames')) == 50  # kept: --root was given
