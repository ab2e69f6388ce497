"""The main-job benchmark: reading tools/test.py's score JSON, passing its path
through tools/main_job.sh, and writing the tables of the docs from a saved result
(all on fake inputs; nothing is trained)."""
import json
import os
import shutil

import pytest
import yaml
from analysis_scripts import import_analysis
from tool_runner import ROOT, run_tool

benchmark = import_analysis('benchmark_main_job')

# score -> value per row; every value distinct, none in the shipped tables
SCORES = {'': (0.911, 0.812, 0.713), 'centre_prior/': (0.101, 0.202, 0.303),
          'other_audio/': (0.121, 0.232, 0.343)}
UNTRAINED = (0.131, 0.242, 0.353)


def fake_metrics(rows: dict) -> dict:
    """Metrics keyed as tools/test.py writes them, from (cIoU@0.5, AUC, mean) rows."""
    metrics = {f'ciou/{prefix}{name}': value for prefix, values in rows.items()
               for name, value in zip(('cIoU@0.5', 'AUC', 'mean_cIoU'), values)}
    return dict(metrics, **{'ciou/num_listed': 12, 'ciou/num_scored': 12,
                            'ciou/num_unscored': 0})


@pytest.fixture
def result() -> dict:
    return dict(config=benchmark.CONFIG, date='2030-01-02', main_job_seconds=61.0,
                data_generated=True, machine=dict(cpu_count=3, arch='arm64', gpu=None),
                trained=fake_metrics(SCORES), untrained=fake_metrics({'': UNTRAINED}))


@pytest.fixture
def docs(tmp_path) -> str:
    """A copy of the repository's documents that the benchmark writes into."""
    for name in benchmark.TARGETS:
        os.makedirs(os.path.dirname(tmp_path / name), exist_ok=True)
        shutil.copy(os.path.join(ROOT, name), tmp_path / name)
    return str(tmp_path)


def read(root: str, name: str) -> str:
    with open(os.path.join(root, name)) as f:
        return f.read()


def words(text: str) -> str:
    """``text`` with every run of whitespace (line breaks of wrapped prose) one space."""
    return ' '.join(text.split())


def outside_markers(text: str, markers) -> str:
    head, rest = text.split(markers[0], 1)
    return head + rest.split(markers[1], 1)[1]


def test_read_metrics_reads_the_metrics_out_file(tmp_path):
    path = tmp_path / 'scores.json'
    metrics = fake_metrics(SCORES)
    path.write_text(json.dumps(dict(config='c.py', checkpoint='epoch_1.pth',
                                    metrics=metrics)))
    assert benchmark.read_metrics(str(path)) == metrics


def test_update_docs_writes_every_table_and_nothing_else(result, docs):
    before = {name: read(docs, name) for name in benchmark.TARGETS}
    benchmark.update_docs(result, root=docs)
    after = {name: read(docs, name) for name in benchmark.TARGETS}
    for name, (markers, _) in benchmark.TARGETS.items():
        assert (outside_markers(after[name], markers) ==
                outside_markers(before[name], markers)), name
    readme = after['README.md']
    assert '| SSL-TIE, trained by the main job | **0.911** | **0.812** |' in readme
    assert '| untrained SSL-TIE (random weights) | 0.131 | 0.242 |' in readme
    assert 'took **61 s** (1.0 min)' in words(readme)
    assert 'Measured on 2030-01-02' in readme and '3-core arm64 CPU, no GPU' in words(readme)
    ssltie = after['configs/ssltie/README.md']
    assert ('| `ssltie_r18_1xb16-1e_avshapes.py` (61 s with data generation) | '
            '0.911 | 0.812 | 0.713 |') in ssltie
    assert "| the trained model given another clip's audio | 0.121 | 0.232 | 0.343 |" in ssltie
    assert '| untrained model | 0.131 | 0.242 | 0.353 |' in ssltie
    assert '12 clips scored' in words(ssltie)
    assert '| 0.911 | 0.812 | `bash tools/main_job.sh` (about 1 min' in after['model_zoo.md']
    models = yaml.safe_load(after['configs/ssltie/metafile.yml'])['Models']
    main_job = next(m for m in models if m['Config'] == benchmark.CONFIG)
    assert main_job['Results'] == [dict(Task='Sound Source Localisation',
                                        Dataset='AVShapes test (12 clips)',
                                        Metrics={'cIoU@0.5': 0.911, 'AUC': 0.812})]
    benchmark.update_docs(result, root=docs)  # a second run changes nothing
    assert {name: read(docs, name) for name in benchmark.TARGETS} == after


def test_update_docs_writes_nothing_when_a_document_lacks_its_markers(result, docs):
    with open(os.path.join(docs, 'model_zoo.md'), 'w') as f:
        f.write('# Model zoo\n')
    before = {name: read(docs, name) for name in benchmark.TARGETS}
    with pytest.raises(ValueError, match='model_zoo.md: missing the markers'):
        benchmark.update_docs(result, root=docs)
    assert {name: read(docs, name) for name in benchmark.TARGETS} == before


def test_from_json_prints_the_tables_without_running(result, tmp_path):
    path = tmp_path / 'main_job_benchmark.json'
    path.write_text(json.dumps(dict(result, data_generated=False)))
    out = run_tool('tools/analysis/benchmark_main_job.py', '--from-json', str(path))
    assert '| SSL-TIE, trained by the main job | **0.911** | **0.812** |' in out
    assert '(61 s without data generation)' in out
    assert 'The whole main job (training, validation, test, report, overlays)' in words(out)
    assert '$ bash' not in out  # nothing was run


@pytest.mark.parametrize('metrics_out', ['', 'scores out.json'], ids=['unset', 'set'])
def test_main_job_passes_metrics_out_to_test_py(tmp_path, metrics_out):
    """METRICS_OUT reaches tools/test.py as --metrics-out, spaces and all; unset, no
    --metrics-out. A fake ``python`` records the commands instead of running them."""
    fake_bin, calls = tmp_path / 'bin', tmp_path / 'calls.txt'
    fake_bin.mkdir()
    (fake_bin / 'python').write_text('#!/bin/sh\nprintf "%s|" "$@" >> "$CALLS"\n'
                                     'echo >> "$CALLS"\n')
    (fake_bin / 'python').chmod(0o755)
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / 'last_checkpoint').write_text('work/epoch_1.pth')
    out = str(tmp_path / metrics_out) if metrics_out else ''
    run_tool('tools/main_job.sh', env=dict(PATH=f'{fake_bin}:{os.environ["PATH"]}',
                                           CALLS=str(calls), WORK_DIR=str(work_dir),
                                           METRICS_OUT=out))
    train, test = calls.read_text().splitlines()
    assert train.startswith('tools/train.py|')
    report = f'|--show-dir|overlays|--report|{work_dir}/report|'
    expected = f'{report}--metrics-out|{out}|' if out else report
    assert test.startswith('tools/test.py|') and test.endswith(expected)


def test_the_readme_names_the_reports_per_instance_and_negative_audio_scores(result, docs):
    neg = 'ciou/negative'
    result['trained'].update({
        'instances/cIoU@0.5': 0.654, 'instances/instances/IIoU@0.5': 0.432,
        'instances/instances/iAUC': 0.456, 'instances/instances/num_instances': 31,
        'instances/instances/num_frames': 12, f'{neg}/threshold/maxq3': 0.876,
        f'{neg}/cIoU_mean@maxq3': 0.021, f'{neg}/pIA/silence@maxq3': 0.011,
        f'{neg}/pIA/noise@maxq3': 0.022, f'{neg}/pIA/offscreen@maxq3': 0.033,
        f'{neg}/F/pos-neg': 0.044, f'{neg}/pIA/silence@median': 0.465})
    benchmark.update_docs(result, root=docs)
    readme = words(read(docs, 'README.md'))
    assert '(31 instances of 12 frames): cIoU@0.5 0.654 and **IIoU@0.5 0.432**' in readme
    assert 'iAUC 0.456' in readme and 'maxq3 = 0.876' in readme
    assert "lights 0.011 / 0.022 / 0.033 of the frame for silence / noise / another clip's" \
        in readme
    assert 'F = 0.044' in readme and '0.465 for silence' in readme
