"""The published SSL-TIE numbers sit on the same configs everywhere: the configs'
comments, configs/ssltie/README.md, docs/evaluation.md and the metafile all agree
with the paper.

The paper's VGG-SS 0.386 / 0.396 is its full model, audio mixing included (its
cumulative ablation: + audio mixing 0.377 / 0.394, + equivariance loss 0.386 /
0.397), so it belongs to the -mix config; the recipe without mixing has no
published number."""
import os
import re
from typing import Dict, Optional, Tuple

import pytest
import yaml
from tool_runner import ROOT

SSLTIE = os.path.join(ROOT, 'configs', 'ssltie')
PREFIX = 'ssltie_r18_1xb32-100e_'
# The paper's cIoU@0.5 / AUC, by the config that trains or tests that setting.
PAPER = {
    'flickr10k': (0.755, 0.588),
    'flickr144k': (0.815, 0.611),
    'vggsound144k-mix': (0.386, 0.396),
    'vggsound144k_test-flickr': (0.795, 0.612),
    'vggsound-heard110_test-heard': (0.390, 0.403),
    'vggsound-heard110_test-unheard': (0.365, 0.386),
}
PAIR = re.compile(r'(\d\.\d+) / (\d\.\d+)')
CONFIGS = sorted(name[len(PREFIX):-3] for name in os.listdir(SSLTIE)
                 if name.startswith(PREFIX) and name.endswith('.py'))


def comment_pair(name: str) -> Optional[Tuple[float, float]]:
    """``Published: cIoU@0.5 X, AUC Y`` from the config's opening comment."""
    with open(os.path.join(SSLTIE, PREFIX + name + '.py')) as f:
        comment = ' '.join(line[1:].strip() for line in f if line.startswith('#'))
    found = re.search(r'Published: cIoU@0\.5 (\d\.\d+), AUC (\d\.\d+)', comment)
    return (float(found[1]), float(found[2])) if found else None


def table_pairs(path: str, config_cell: int, number_cell: int) -> Dict[str, object]:
    """config -> the first ``X / Y`` of its row (None: the row names no number), for
    every table row that names one SSL-TIE paper config."""
    rows = {}
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if len(cells) <= max(config_cell, number_cell):
                continue
            config = re.fullmatch(rf'`{PREFIX}([\w.-]+)\.py`', cells[config_cell])
            if config:
                pair = PAIR.search(cells[number_cell])
                rows.setdefault(config[1], []).append(
                    (float(pair[1]), float(pair[2])) if pair else None)
    return rows


def metafile_pairs() -> Dict[str, Optional[Tuple[float, float]]]:
    with open(os.path.join(SSLTIE, 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    pairs = {}
    for model in models:
        name = model['Name']
        if not name.startswith(PREFIX):
            continue
        published = [r['Metrics'] for r in model.get('Published Results', [])
                     if 'cIoU@0.5' in r['Metrics']]
        pairs[name[len(PREFIX):]] = ((published[0]['cIoU@0.5'], published[0]['AUC'])
                                     if published else None)
    return pairs


@pytest.mark.parametrize('name', [c for c in CONFIGS if not c.endswith('_select-on-test')])
def test_config_comments_quote_the_paper_on_its_config_only(name):
    assert comment_pair(name) == PAPER.get(name)


def test_the_readme_tables_agree_with_the_paper():
    readme = os.path.join(SSLTIE, 'README.md')
    paper_configs = table_pairs(readme, 0, 3)  # the "Paper configs" table
    for name in CONFIGS:
        if name.endswith('_select-on-test') or name.startswith('vggsound144k_retrieval') \
                or name.startswith('vggsound-heard110_retrieval') or name.endswith('device-aug'):
            continue
        assert paper_configs.get(name) == [PAPER.get(name)], name
    published = table_pairs(readme, 3, 2)  # "Published numbers", config last
    assert published == {k: [v] for k, v in PAPER.items() if 'heard110' not in k}


def test_docs_evaluation_table_agrees_with_the_paper():
    rows = table_pairs(os.path.join(ROOT, 'docs', 'evaluation.md'), 0, 4)
    assert rows, 'the benchmark settings table of docs/evaluation.md was not found'
    for name, pairs in rows.items():
        assert pairs == [PAPER.get(name)], name


def test_the_metafile_agrees_with_the_paper():
    pairs = metafile_pairs()
    for name, pair in pairs.items():
        assert pair == PAPER.get(name), name
    assert set(PAPER) <= set(pairs)


def test_the_full_model_is_the_mixing_config():
    """0.386 is the model with audio mixing: the config that has it mixes audio, and
    the one without mixing quotes it only as the full model's."""
    from mmengine.config import Config
    mix = Config.fromfile(os.path.join(SSLTIE, PREFIX + 'vggsound144k-mix.py'))
    assert any(t['type'] == 'MixAudio' for t in mix.train_pipeline)
    assert any(h['type'] == 'AudioMixingHook' for h in mix.custom_hooks)
    plain = Config.fromfile(os.path.join(SSLTIE, PREFIX + 'vggsound144k.py'))
    assert not any(t['type'] == 'MixAudio' for t in plain.train_pipeline)
    # The cross-dataset row is the same full model's.
    flickr = Config.fromfile(os.path.join(SSLTIE, PREFIX + 'vggsound144k_test-flickr.py'))
    assert flickr.train_pipeline == mix.train_pipeline
