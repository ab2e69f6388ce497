"""The metafiles' ``Results`` hold only what this repository measured: scores of
models that the main job or a sweep of compare_configs.py trains, never published ones."""
import glob
import os

import pytest
import yaml
from analysis_scripts import import_analysis
from tool_runner import ROOT

METAFILES = sorted(glob.glob(os.path.join(ROOT, 'configs', '*', 'metafile.yml')))


def trained_here() -> set:
    """The configs that a script of this repository trains and scores: the main job
    and the rows of the shipped sweeps (tools/analysis/compare_configs.py)."""
    sweeps = import_analysis('compare_configs').shipped_sweeps()
    return {import_analysis('benchmark_main_job').CONFIG,
            *(row.config for sweep in sweeps for row in sweep.rows.values())}


@pytest.mark.parametrize('metafile', METAFILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_only_models_trained_here_have_results(metafile):
    with open(metafile) as f:
        models = yaml.safe_load(f)['Models']
    configs = trained_here()
    for model in models:
        # mim search iterates over every model's Results: a list, possibly empty
        assert isinstance(model['Results'], list), model['Name']
        if model['Results']:
            assert model['Config'] in configs, (
                f'{model["Name"]} was never trained here; published numbers go to '
                '`Published Results`')


def test_the_main_job_has_measured_results():
    with open(os.path.join(ROOT, 'configs', 'ssltie', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    config = import_analysis('benchmark_main_job').CONFIG
    results = next(m for m in models if m['Config'] == config)['Results']
    assert set(results[0]['Metrics']) == {'cIoU@0.5', 'AUC'}


@pytest.mark.parametrize('metafile', METAFILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_no_result_is_an_oracle_score(metafile):
    """A threshold chosen on the test set itself gives no score: CIoUMetric's oracle
    keys (``oracle-test-set-threshold/...``) never enter a metafile's Results."""
    with open(metafile) as f:
        models = yaml.safe_load(f)['Models']
    for model in models:
        for result in model['Results']:
            names = [str(name).lower() for name in result['Metrics']]
            assert not [n for n in names if 'oracle' in n], (model['Name'], names)
