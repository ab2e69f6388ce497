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


def test_generate_cli_takes_the_v2_knobs(tmp_path):
    out = str(tmp_path / 'shapes2')
    proc = subprocess.run(
        [sys.executable, 'tools/data/avshapes/generate.py', out, '--version', 'v2',
         '--num-train', '1', '--num-val', '1', '--num-test', '1', '--frame-size', '32',
         '--v2-textures', 'solid', 'stripes', '--v2-clutter', '0', '3',
         '--v2-background-contrast', '0.5', '--v2-camera', 'false', '--workers', '1'],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(os.path.join(out, 'avshapes_meta.json')) as f:
        meta = json.load(f)
    assert meta['v2_textures'] == ['solid', 'stripes'] and meta['v2_clutter'] == [0, 3]
    assert meta['v2_background_contrast'] == 0.5 and meta['v2_camera'] is False
    with open(os.path.join(out, 'vggss.json')) as f:
        assert {o['texture'] for clip in json.load(f) for o in clip['objects']} <= {
            'solid', 'stripes'}
    bad = subprocess.run(
        [sys.executable, 'tools/data/avshapes/generate.py', out, '--v2-camera', 'maybe'],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and 'true or false' in bad.stderr
