from analysis_scripts import import_analysis, table_rows
from tool_runner import run_tool


def test_bottleneck_names_the_slower_side_and_the_workers_it_needs():
    bench = import_analysis('benchmark_throughput')
    assert bench.bottleneck(2.0, 200.0) == (
        "the model bounds a single worker's training; 1 loader worker keeps the "
        'device busy')
    assert bench.bottleneck(1000.0, 222.0) == (
        "one loader worker bounds a single worker's training; 5 loader workers keep "
        'the device busy')


def test_the_report_measures_every_row_on_the_paper_model(tmp_path):
    log = run_tool('tools/analysis/benchmark_throughput.py', '--batch-sizes', '1',
                   '--warmup', '0', '--repeats', '1', '--clips', '2', '--root',
                   str(tmp_path / 'clips'))
    rates = {name: float(rate.split(',')[0]) for name, rate in table_rows(log)
             if rate[:1].isdigit()}
    expected = ['data loader, one worker (workers augmentation)',
                'data loader, one worker (device augmentation)']
    for name in ('fp32', 'mixed precision', 'mixed precision, channels-last'):
        expected += [f'model alone, {name}', f'training step (workers augmentation), {name}']
    expected.append('training step (device augmentation), mixed precision')
    assert sorted(rates) == sorted(expected)
    assert all(rate > 0 for rate in rates.values())
    assert log.count('the device busy') == 2  # one summary per placement
