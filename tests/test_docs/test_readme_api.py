"""README.md's Python API example runs as written: the block after its
``readme-api-example`` marker, executed in a folder laid out as the main job leaves
a clone (the config, the checkpoint it writes, an AVShapes clip)."""
import os
import re
import sys

import numpy as np
import torch
from tool_runner import ROOT

from avloc.apis import init_localizer
from avloc.visualization import colour_bar_width

sys.path.insert(0, os.path.join(ROOT, 'tests', 'test_apis'))
from media import tiny_clip  # noqa: E402

CONFIG = 'configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py'


def readme_example() -> str:
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read()
    found = re.search(r'<!-- readme-api-example[^>]*-->\n```python\n(.*?)```', text, re.S)
    assert found, 'README.md has no marked API example'
    return found.group(1)


def test_the_readme_api_example_runs(tmp_path, monkeypatch, capsys):
    code = readme_example()
    checkpoint = 'work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth'
    clip = 'data/avshapes/video/avshapes_004200.mp4'
    assert CONFIG in code and checkpoint in code and clip in code
    os.symlink(os.path.join(ROOT, 'configs'), tmp_path / 'configs')
    for path in (checkpoint, clip):
        os.makedirs(tmp_path / os.path.dirname(path))
    torch.manual_seed(0)
    model = init_localizer(os.path.join(ROOT, CONFIG), random_weights=True)
    torch.save({'state_dict': model.state_dict(), 'meta': {'epoch': 1}},
               str(tmp_path / checkpoint))
    tiny_clip(str(tmp_path / clip), seconds=1.0, fps=10)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, 'README.md', 'exec'), scope)
    printed = capsys.readouterr().out
    assert f'{checkpoint} (epoch 1)' in printed
    assert '(5, 48, 64)' in printed  # 5 frames a second of a 1-s 64x48 clip
    assert os.listdir(tmp_path / 'outputs' / 'vis') == ['0000_avshapes_004200.mp4']
    heatmap, overlay = scope['heatmap'], scope['overlay']
    assert heatmap.shape == (240, 320) and heatmap.dtype == np.float32
    assert 0 <= heatmap.min() <= heatmap.max() <= 1
    assert overlay.shape == (240, 320 + colour_bar_width(240), 3)
