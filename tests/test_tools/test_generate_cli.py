import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_generate_cli_writes_the_layout(tmp_path):
    out = str(tmp_path / 'shapes')
    proc = subprocess.run(
        [sys.executable, 'tools/data/avshapes/generate.py', out, '--num-train', '2',
         '--num-val', '1', '--num-test', '1', '--frame-size', '32', '--side-range', '0.5',
         '0.55', '--workers', '1'], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(os.listdir(os.path.join(out, 'video'))) == [
        f'avshapes_00000{i}.mp4' for i in range(4)]
    with open(os.path.join(out, 'avshapes_meta.json')) as f:
        meta = json.load(f)
    assert meta['side_range'] == [0.5, 0.55] and meta['frame_size'] == 32
    assert open(os.path.join(out, 'test.txt')).read().split() == ['avshapes_000003']
    assert os.path.isfile(os.path.join(out, '.complete'))
