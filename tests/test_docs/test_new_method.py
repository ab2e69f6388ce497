"""docs/new_method.md's example method runs as the page writes it: its head and
algorithm register, its config builds it, and it trains and predicts through the
contract."""
import os
import os.path as osp
import re
import subprocess
import sys
import textwrap

from tool_runner import ROOT

DOC = osp.join(ROOT, 'docs', 'new_method.md')


def python_blocks():
    with open(DOC) as f:
        return re.findall(r'```python\n(.*?)```', f.read(), flags=re.S)


def test_the_example_method_trains_and_predicts_as_written(tmp_path):
    head, algorithm, config = python_blocks()
    assert 'class AvgPoolNCEHead' in head and 'class AvgPoolNCE(' in algorithm
    package = tmp_path / 'example_method'
    package.mkdir()
    (package / '__init__.py').write_text('from . import head, algorithm  # noqa\n')
    (package / 'head.py').write_text(head)
    (package / 'algorithm.py').write_text(algorithm)
    configs = tmp_path / 'configs'
    (configs / 'avgpoolnce').mkdir(parents=True)
    for name in ('_base_', 'ezvsl'):  # what the example's _base_ reaches
        os.symlink(osp.join(ROOT, 'configs', name), configs / name)
    config_file = configs / 'avgpoolnce' / 'avgpoolnce_r18_1xb16-2e_avshapes1k.py'
    config_file.write_text(config + "custom_imports = dict(imports=['example_method'])\n")
    script = textwrap.dedent(f"""
        import torch
        from mmengine.config import Config
        from mmengine.registry import init_default_scope
        from mmengine.utils import import_modules_from_strings
        from avloc.registry import MODELS
        from test_base_localizer import batch
        cfg = Config.fromfile({str(config_file)!r})
        import_modules_from_strings(**cfg.custom_imports)
        init_default_scope('avloc')
        model = MODELS.build(cfg.model)
        data = model.data_preprocessor(batch(views=1), True)
        losses = model(**data, mode='loss')
        assert set(losses) == {{'loss_nce'}}, losses
        losses['loss_nce'].backward()
        assert model.visual_proj.weight.grad.abs().sum() > 0
        model.eval()
        assert model(**data, mode='tensor').shape == (3, 1, 4, 4)  # 64 px at stride 16
        sample = model(**data, mode='predict')[0]
        assert sample.pred_heatmap_other_audio.shape == sample.pred_heatmap.shape
        print('example ok', float(losses['loss_nce']))
        """)
    contract_tests = osp.join(ROOT, 'tests', 'test_models', 'test_algorithms')
    path = os.pathsep.join([str(tmp_path), contract_tests, osp.join(ROOT, 'tests'),
                            os.environ.get('PYTHONPATH', '')])
    proc = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'example ok' in proc.stdout
