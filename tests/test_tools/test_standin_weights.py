"""The AVShapes stand-in is built on first use by the configs that point at it."""
import glob
import json
import os
import re
import shutil

from mmengine.config import Config
from tool_runner import ROOT, data_options, run_tool

import avloc.models.pretrained.avshapes_standin as standin_module
import avloc.tools.standin_weights as standin_weights

CONFIG = os.path.join(ROOT, 'configs', 'ezvsl', 'ezvsl_r18_1xb16-2e_avshapes1k.py')


def test_the_configs_stand_ins_are_found_with_their_generator(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(standin_weights, 'ensure_avshapes_standin',
                        lambda root, generator, progress: calls.append((root, generator))
                        or os.path.join(root, 'standin', 'resnet18_avshapes_cls.pth'))
    generator = dict(version='v2', num_train=8, seed=1)
    weights = 'data/small/standin/resnet18_avshapes_cls.pth'
    cfg = Config(dict(
        model=dict(visual_encoder=dict(init_cfg=dict(type='Pretrained', checkpoint=weights)),
                   object_encoder=dict(init_cfg=[dict(type='Pretrained',
                                                      checkpoint='./' + weights)]),
                   audio_encoder=dict(init_cfg=dict(
                       type='Pretrained', checkpoint='data/other/standin/'
                       'resnet18_avshapes_cls.pth')),
                   head=dict(checkpoint='resnet18_avshapes_cls.pth')),  # not a stand-in
        train_dataloader=dict(dataset=dict(type='AVShapesDataset', data_root='data/small',
                                           generator=generator))))
    built = standin_weights.ensure_config_standins(cfg)
    # Once per stand-in, however its path is spelt; a data root that no loader of the
    # config reads gets the default settings, as build_avshapes_standin.py does.
    assert calls == [('data/small', generator), ('data/other', {})]
    assert built == [weights, 'data/other/standin/resnet18_avshapes_cls.pth']
    assert standin_weights.ensure_config_standins(Config(dict(model=dict(type='X')))) == []


def test_training_a_config_that_points_at_it_builds_it_first(
        tiny_avshapes, tmp_path, monkeypatch):
    root = shutil.copytree(tiny_avshapes, str(tmp_path / 'avshapes'))
    weights = os.path.join(root, 'standin', 'resnet18_avshapes_cls.pth')
    work_dir = str(tmp_path / 'work')
    log = run_tool('tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
                   *data_options(root), 'train_dataloader.batch_size=8',
                   'train_cfg.max_epochs=1', 'model.visual_encoder.init_cfg.type=Pretrained',
                   f'model.visual_encoder.init_cfg.checkpoint={weights}')
    assert f'AVShapes stand-in: building {weights}' in log
    with open(os.path.splitext(weights)[0] + '.json') as f:
        record = json.load(f)
    assert record['clips']['training'] > 0
    # init_weights then read the fresh cache, every tensor of the frame encoder
    run_log = open(glob.glob(os.path.join(work_dir, '*', '*.log'))[0]).read()
    assert re.search(rf'VisualResNet18: loaded (\d+) of \1 tensors from {re.escape(weights)}',
                     run_log)
    assert os.path.isfile(os.path.join(work_dir, 'epoch_1.pth'))
    # The next use reuses the cache: nothing is built again.
    monkeypatch.setattr(standin_module, 'build_standin', lambda *args: 1 / 0)
    cfg = Config(dict(model=dict(init_cfg=dict(type='Pretrained', checkpoint=weights))))
    assert standin_weights.ensure_config_standins(cfg, progress=False) == [weights]
