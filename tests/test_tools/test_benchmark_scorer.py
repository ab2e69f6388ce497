import json

from analysis_scripts import import_analysis, table_rows
from tool_runner import run_tool


def test_the_benchmark_times_every_scorer_and_writes_its_json(tmp_path):
    out = tmp_path / 'scorer.json'
    log = run_tool('tools/analysis/benchmark_scorer.py', '--clips', '50', '--repeats', '1',
                   '--out', str(out))
    result = json.loads(out.read_text())
    methods = ['public', 'per-clip', 'CIoUMetric, one thread', 'CIoUMetric',
               'CIoUMetric(extended=True)', 'CIoUMetric(negative_audio=True)']
    assert [row['method'] for row in result['rows']] == methods
    assert result['clips'] == 50 and result['rows'][0]['vs_public'] == 1.0
    assert all(row['clips_per_s'] > 0 for row in result['rows'])
    # the run stops unless all of them scored alike; these are the public loop's
    assert set(result['scores']) == {'model', 'centre_prior', 'other_audio'}
    assert 0 <= result['scores']['model']['cIoU@0.5'] <= 1
    assert sorted(row[0] for row in table_rows(log)[2:]) == sorted(methods)
    assert result['machine']['cpu_count'] >= 1


def test_the_doc_block_states_the_command_date_and_machine(tmp_path):
    bench = import_analysis('benchmark_scorer')
    markers = import_analysis('doc_markers')
    result = dict(date='2026-12-07', clips=5158, repeats=3, wall_seconds=80.2,
                  machine=dict(cpu='Some CPU', cpu_count=2, arch='x86_64', scoring_threads=2,
                               load_average=0.5),
                  scores=dict(model={'cIoU@0.5': 0.1234, 'AUC': 0.25}),
                  rows=[dict(method='public', seconds=14.0, clips_per_s=368.4,
                             vs_public=1.0),
                        dict(method='CIoUMetric', seconds=1.0, clips_per_s=5158.0,
                             vs_public=14.0)])
    doc = tmp_path / 'throughput.md'
    start, end = bench.MARKERS
    doc.write_text(f'# Throughput\n\n## Scoring speed\n\n{start}\nold\n{end}\nafter\n')
    markers.write_between_markers(str(doc), bench.MARKERS, bench.doc_block(result))
    text = doc.read_text()
    words = ' '.join(text.split())  # the paragraphs are wrapped
    assert bench.COMMAND in words and '2026-12-07' in words and 'Some CPU' in words
    assert '| CIoUMetric | 1.00 | 5,158 | 14.00x |' in text
    assert text.startswith('# Throughput') and text.endswith('after\n')
    assert '\nold\n' not in text and 'scored in 2 threads' in words
