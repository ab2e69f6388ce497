r"""Measure the main job as the README runs it: wall time and test scores, plus the
untrained model's scores on the same test split; write them into the docs.

    python tools/analysis/benchmark_main_job.py --update-readme
    python tools/analysis/benchmark_main_job.py \
        --from-json work_dirs/main_job_benchmark.json --update-readme

It deletes the generated data first (unless ``--keep-data``) so that generation is
timed too, runs ``bash tools/main_job.sh`` (with ``METRICS_OUT`` set, so that
``tools/test.py`` writes its scores as JSON), then ``tools/test.py CONFIG none``, and
saves the wall time, both sets of scores, the machine and the date to ``--out``.
``--update-readme`` writes them between the main-job markers of README.md,
configs/ssltie/README.md, model_zoo.md and configs/ssltie/metafile.yml;
``--from-json`` rewrites those from a saved result without running anything.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import textwrap
import time
from typing import Callable, Dict, List, Optional, Tuple

from doc_markers import replace_between_markers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = 'configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py'
COMMAND = 'python tools/analysis/benchmark_main_job.py --update-readme'


def command(result: dict) -> str:
    """The command that measured ``result``, as the docs quote it."""
    return COMMAND if result['data_generated'] else COMMAND + ' --keep-data'


MARKERS = ('<!-- main-job-table:start -->', '<!-- main-job-table:end -->')
METAFILE_MARKERS = ('    # main-job-results:start', '    # main-job-results:end')
# the rows of the score tables: row -> (which run, the key prefix in its metrics)
ROWS = {'model': ('trained', ''), 'centre prior': ('trained', 'centre_prior/'),
        'other audio': ('trained', 'other_audio/'), 'untrained': ('untrained', '')}


def run(cmd: List[str], env: Optional[Dict[str, str]] = None) -> None:
    """Run ``cmd`` in the repository; exit with the end of its output if it fails."""
    print('$', ' '.join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))
    if proc.returncode != 0:
        sys.exit(f'failed: {" ".join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}')


def read_metrics(path: str) -> dict:
    """The scores of a ``tools/test.py --metrics-out`` file.

    Args:
        path: The JSON file, ``{"config", "checkpoint", "metrics": {...}}``.

    Returns:
        The ``metrics`` dict, keyed as MMEngine reports them (``ciou/cIoU@0.5``).

    Raises:
        SystemExit: The checkpoint was selected on the test set
            (``select_on_test``): its scores are not held-out ones and never go into
            the docs' measured results.
    """
    with open(path) as f:
        scores = json.load(f)
    if scores.get('checkpoint_selection'):
        sys.exit(f'{path}: the checkpoint was selected on the '
                 f'{scores["checkpoint_selection"]} (select_on_test); its scores are '
                 'not written into the docs as measured results')
    return scores['metrics']


def describe_machine() -> dict:
    """The CPU count, the architecture and the GPU (``None`` without CUDA)."""
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return dict(cpu_count=os.cpu_count(), arch=platform.machine(), gpu=gpu)


def measure(config: str, keep_data: bool) -> dict:
    """Time the main job, then score the untrained model.

    Args:
        config: The main job's config, relative to the repository.
        keep_data: Reuse ``data/avshapes`` instead of timing its generation.

    Returns:
        The result: config, date, main_job_seconds, data_generated, machine, and the
        ``trained`` and ``untrained`` metrics.
    """
    name = os.path.splitext(os.path.basename(config))[0]
    work_dir = os.path.join('work_dirs', f'{name}_benchmark')
    for folder in (work_dir, work_dir + '_untrained'):
        shutil.rmtree(os.path.join(ROOT, folder), ignore_errors=True)
    if not keep_data:
        shutil.rmtree(os.path.join(ROOT, 'data', 'avshapes'), ignore_errors=True)
    trained_json = os.path.join(work_dir, 'scores.json')
    untrained_json = os.path.join(work_dir + '_untrained', 'scores.json')
    start = time.perf_counter()
    run(['bash', 'tools/main_job.sh', config],
        env=dict(WORK_DIR=work_dir, METRICS_OUT=trained_json))
    seconds = time.perf_counter() - start
    run([sys.executable, 'tools/test.py', config, 'none', '--work-dir',
         work_dir + '_untrained', '--metrics-out', untrained_json])
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    return dict(config=config, date=today, main_job_seconds=round(seconds, 1),
                data_generated=not keep_data, machine=describe_machine(),
                trained=read_metrics(os.path.join(ROOT, trained_json)),
                untrained=read_metrics(os.path.join(ROOT, untrained_json)))


def machine_text(machine: dict) -> str:
    """E.g. ``2-core x86_64 CPU, no GPU``."""
    gpu = machine['gpu'] or 'no GPU'
    return f'{machine["cpu_count"]}-core {machine["arch"]} CPU, {gpu}'


def scores(result: dict, row: str, names: Tuple[str, ...]) -> List[str]:
    """The scores ``names`` of one row of ``ROWS``, to 3 decimals."""
    run_name, prefix = ROWS[row]
    return [f'{result[run_name][f"ciou/{prefix}{name}"]:.3f}' for name in names]


def prose(text: str) -> str:
    """``text`` wrapped as the docs wrap their paragraphs."""
    return textwrap.fill(text, 84, break_long_words=False, break_on_hyphens=False)


def markdown_table(header: List[str], rows: List[List[str]]) -> str:
    """A Markdown table."""
    lines = [f'| {" | ".join(line)} |' for line in [header, *rows]]
    return '\n'.join([lines[0], '|---' * len(header) + '|', *lines[1:]])


def readme_block(result: dict) -> str:
    """README.md, "What the main job measures": the table and the total time."""
    labels = {'model': 'SSL-TIE, trained by the main job',
              'centre prior': 'centre prior (a centred disc of half the frame)',
              'other audio': "the trained model given another clip's audio",
              'untrained': 'untrained SSL-TIE (random weights)'}
    rows = [[labels[row], *scores(result, row, ('cIoU@0.5', 'AUC'))] for row in ROWS]
    rows[0][1:] = [f'**{value}**' for value in rows[0][1:]]
    seconds = result['main_job_seconds']
    steps = 'data generation, training' if result['data_generated'] else 'training'
    return '\n'.join([
        prose(f'Measured on {result["date"]} with `{command(result)}`, on a '
              f'{machine_text(result["machine"])}, '
              f'{result["trained"]["ciou/num_scored"]} test clips scored:'), '',
        markdown_table(['model on the AVShapes test split', 'cIoU@0.5', 'AUC'], rows), '',
        *report_prose(result['trained']),
        prose(f'The whole main job ({steps}, validation, test, report, overlays) took '
              f'**{seconds:.0f} s** ({seconds / 60:.1f} min).')])


def report_prose(trained: dict) -> List[str]:
    """The main job's report beyond the table (``tools/test.py --report``): the
    per-instance and negative-audio scores, when the run has them."""
    iiou, neg = 'instances/instances/IIoU@0.5', 'ciou/negative'
    if iiou not in trained or f'{neg}/F/pos-neg' not in trained:
        return []
    lit = ' / '.join(f'{trained[f"{neg}/pIA/{kind}@maxq3"]:.3f}'
                     for kind in ('silence', 'noise', 'offscreen'))
    return [prose(
        f'The same run scores the test clips with two or three objects once per object, '
        f'each object with a sound of its own class '
        f'({trained["instances/instances/num_instances"]:,} instances of '
        f'{trained["instances/instances/num_frames"]} frames): cIoU@0.5 '
        f'{trained["instances/cIoU@0.5"]:.3f} and **IIoU@0.5 {trained[iiou]:.3f}** (every '
        f'object of a frame found), iAUC {trained["instances/instances/iAUC"]:.3f}. With '
        f'negative audio (the raw map cut at maxq3 = '
        f'{trained[f"{neg}/threshold/maxq3"]:.3f}, where the positive maps keep a mean '
        f'cIoU of {trained[f"{neg}/cIoU_mean@maxq3"]:.3f}), the map lights {lit} of the '
        f'frame for silence / noise / another clip\'s audio, F = '
        f'{trained[f"{neg}/F/pos-neg"]:.3f}; at the median cut of each clip\'s own map, '
        f'{trained[f"{neg}/pIA/silence@median"]:.3f} for silence. docs/evaluation.md '
        f'defines each score.'), '']


def ssltie_readme_block(result: dict) -> str:
    """configs/ssltie/README.md, "Results on the embedded AVShapes benchmark"."""
    seconds = result['main_job_seconds']
    data = 'with' if result['data_generated'] else 'without'
    name = os.path.basename(result['config'])
    labels = {'model': f'`{name}` ({seconds:.0f} s {data} data generation)',
              'centre prior': 'centre prior',
              'other audio': "the trained model given another clip's audio",
              'untrained': 'untrained model'}
    rows = [[labels[row], *scores(result, row, ('cIoU@0.5', 'AUC', 'mean_cIoU'))]
            for row in ROWS]
    return '\n'.join([
        prose(f'Test split ({result["trained"]["ciou/num_scored"]} clips scored), '
              f'`bash tools/main_job.sh` as timed by `{command(result)}` on '
              f'{result["date"]}, '
              f'{machine_text(result["machine"])}:'), '',
        markdown_table(['model', 'cIoU@0.5', 'AUC', 'mean cIoU'], rows)])


def model_zoo_block(result: dict) -> str:
    """model_zoo.md: the main job's row."""
    how = (f'`bash tools/main_job.sh` (about {result["main_job_seconds"] / 60:.0f} min on '
           f'a {machine_text(result["machine"])}; measured on {result["date"]} with '
           f'`{command(result)}`)')
    return markdown_table(
        ['method', 'config', 'data', 'cIoU@0.5', 'AUC', 'how to get it'],
        [['SSL-TIE', f'`{result["config"]}`', 'AVShapes (generated)',
          *scores(result, 'model', ('cIoU@0.5', 'AUC')), how]])


def metafile_block(result: dict) -> str:
    """configs/ssltie/metafile.yml: the main job's ``Results``."""
    ciou, auc = scores(result, 'model', ('cIoU@0.5', 'AUC'))
    return '\n'.join([
        f'    Results:  # measured on {result["date"]} by {command(result)}',
        '      - Task: Sound Source Localisation',
        f'        Dataset: AVShapes test ({result["trained"]["ciou/num_scored"]} clips)',
        '        Metrics:', f'          cIoU@0.5: {ciou}', f'          AUC: {auc}'])


# document -> (its markers, what goes between them)
TARGETS: Dict[str, Tuple[Tuple[str, str], Callable[[dict], str]]] = {
    'README.md': (MARKERS, readme_block),
    'configs/ssltie/README.md': (MARKERS, ssltie_readme_block),
    'model_zoo.md': (MARKERS, model_zoo_block),
    'configs/ssltie/metafile.yml': (METAFILE_MARKERS, metafile_block),
}


def update_docs(result: dict, root: str = ROOT) -> None:
    """Write ``result`` between the markers of every document of ``TARGETS``.

    Args:
        result: A result of :func:`measure`.
        root: The repository holding the documents.

    Raises:
        ValueError: If a document lacks its markers; then none is written.
    """
    texts = {}
    for name, (markers, block) in TARGETS.items():
        with open(os.path.join(root, name)) as f:
            texts[name] = replace_between_markers(f.read(), markers, block(result), name)
    for name, text in texts.items():
        with open(os.path.join(root, name), 'w') as f:
            f.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--keep-data', action='store_true',
                        help='reuse data/avshapes instead of timing its generation')
    parser.add_argument('--out', default='work_dirs/main_job_benchmark.json',
                        help='where the result goes (relative to the repository)')
    parser.add_argument('--from-json', metavar='RESULT',
                        help='use a result this script saved before (an --out file) '
                        'instead of running')
    parser.add_argument('--update-readme', action='store_true',
                        help=f'write the result into {", ".join(TARGETS)}')
    args = parser.parse_args()
    if args.from_json:
        with open(os.path.join(ROOT, args.from_json)) as f:
            result = json.load(f)
    else:
        result = measure(args.config, args.keep_data)
        os.makedirs(os.path.dirname(os.path.join(ROOT, args.out)), exist_ok=True)
        with open(os.path.join(ROOT, args.out), 'w') as f:
            json.dump(result, f, indent=2)
    for name, (_, block) in TARGETS.items():
        print(f'{name}:\n{block(result)}\n')
    if args.update_readme:
        if result['config'] != CONFIG:
            sys.exit(f'the docs describe {CONFIG}, not {result["config"]}')
        update_docs(result)


if __name__ == '__main__':
    main()
