import os

from analysis_scripts import table_rows
from tool_runner import run_tool


def test_the_three_checks_are_timed_on_the_generated_tree(tmp_path):
    log = run_tool('tools/analysis/benchmark_dataset_startup.py', '--clips', '50',
                   '--repeats', '1', '--root', str(tmp_path / 'tree'))
    assert 'made 100 empty files' in log
    rows = {name: (float(seconds), float(ratio[:-1]))
            for name, seconds, ratio in table_rows(log) if ratio.endswith('x')}
    assert sorted(rows) == ['VGGSoundDataset(...)', 'isfile per file',
                            'one scan per directory']
    assert rows['isfile per file'][1] == 1.0  # the baseline
    assert len(os.listdir(tmp_path / 'tree' / 'frames')) == 50  # kept: --root was given
