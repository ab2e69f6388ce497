"""Measure the main job as the README runs it: wall time and test scores, plus the
untrained model's scores on the same test split.

    python tools/analysis/benchmark_main_job.py --out work_dirs/main_job_benchmark.json

It deletes the generated data first (unless ``--keep-data``) so that generation is
timed too, runs ``bash tools/main_job.sh``, then ``tools/test.py CONFIG none``.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = 'configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py'
SCORES = ('ciou/cIoU@0.5', 'ciou/AUC', 'ciou/centre_prior/cIoU@0.5',
          'ciou/other_audio/cIoU@0.5', 'ciou/num_scored')


def run(cmd: list) -> str:
    print('$', ' '.join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f'failed: {" ".join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}')
    return proc.stdout + proc.stderr


def parse_scores(output: str) -> dict:
    table = output[output.rindex('Test scores of'):]
    return {key: float(re.search(rf'^{re.escape(key)}\s+(\S+)$', table, re.M).group(1))
            for key in SCORES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--keep-data', action='store_true',
                        help='reuse data/avshapes instead of timing its generation')
    parser.add_argument('--out', default='work_dirs/main_job_benchmark.json')
    args = parser.parse_args()
    name = os.path.splitext(os.path.basename(args.config))[0]
    work_dir = os.path.join('work_dirs', f'{name}_benchmark')
    shutil.rmtree(os.path.join(ROOT, work_dir), ignore_errors=True)
    if not args.keep_data:
        shutil.rmtree(os.path.join(ROOT, 'data', 'avshapes'), ignore_errors=True)

    start = time.perf_counter()
    output = run(['env', f'WORK_DIR={work_dir}', 'bash', 'tools/main_job.sh', args.config])
    seconds = time.perf_counter() - start
    trained = parse_scores(output)
    untrained = parse_scores(run([sys.executable, 'tools/test.py', args.config, 'none',
                                  '--work-dir', work_dir + '_untrained']))
    result = dict(config=args.config, main_job_seconds=round(seconds, 1),
                  data_generated=not args.keep_data, trained=trained, untrained=untrained,
                  cpu_count=os.cpu_count())
    os.makedirs(os.path.dirname(os.path.join(ROOT, args.out)), exist_ok=True)
    with open(os.path.join(ROOT, args.out), 'w') as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
