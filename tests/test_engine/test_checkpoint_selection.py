"""select_on_test: the public SSL-TIE code's checkpoint selection on the test set,
reproduced as an option whose every score says so."""
import importlib
import json
import os
import re
import sys

import pytest
from mmengine.config import Config
from tool_runner import ROOT, data_options, run_tool

from avloc.engine import SELECTED_ON_TEST, apply_select_on_test
from avloc.utils import load_checkpoint_file

SSLTIE = os.path.join(ROOT, 'configs', 'ssltie')
MAIN_JOB = os.path.join(SSLTIE, 'ssltie_r18_1xb16-1e_avshapes.py')


def benchmark_main_job():
    """tools/analysis/benchmark_main_job.py, which writes the docs' measured results
    (it imports its neighbours by module name)."""
    analysis = os.path.join(ROOT, 'tools', 'analysis')
    if analysis not in sys.path:
        sys.path.insert(0, analysis)
    return importlib.import_module('benchmark_main_job')


@pytest.mark.parametrize('name, test_list, gt_map', [
    ('vggsound144k-mix', 'meta/ssltie_test_vggss_4911.txt', 'union'),
    ('flickr10k', 'meta/flickr_test.csv', 'consensus'),
    ('vggsound-heard110_test-heard', 'meta/ssltie_openset_test_heard_2425.txt', 'union')])
def test_the_option_validates_on_the_test_list_as_the_public_code(name, test_list, gt_map):
    cfg = apply_select_on_test(Config.fromfile(
        os.path.join(SSLTIE, f'ssltie_r18_1xb32-100e_{name}_select-on-test.py')))
    val, test = cfg.val_dataloader, cfg.test_dataloader
    assert val.dataset.ann_file == test.dataset.ann_file == test_list
    assert val.batch_size == 32 and val.drop_last is True and 'drop_last' not in test
    assert val.dataset.min_clips == 32  # fewer clips than a batch: an error at load
    # The test's metric (the Flickr consensus map included), relabelled.
    assert cfg.val_evaluator == dict(cfg.test_evaluator, prefix='selected-on-test-set',
                                     label=SELECTED_ON_TEST)
    assert cfg.val_evaluator.get('gt_map', 'union') == gt_map
    assert cfg.default_hooks.checkpoint.save_best == 'selected-on-test-set/cIoU@0.5'
    assert cfg.default_hooks.checkpoint.rule == 'greater'
    assert cfg.train_cfg.val_interval == 1


def test_without_the_option_the_paper_configs_validate_on_held_out_training_clips():
    cfg = Config.fromfile(os.path.join(SSLTIE, 'ssltie_r18_1xb32-100e_vggsound144k-mix.py'))
    assert apply_select_on_test(cfg) is cfg
    assert cfg.val_dataloader.dataset.holdout.keep == 'holdout'
    assert cfg.default_hooks.checkpoint.save_best == 'avc/accuracy'


def test_the_option_needs_one_ciou_metric_and_a_boolean():
    cfg = Config.fromfile(os.path.join(
        SSLTIE, 'ssltie_r18_1xb32-100e_vggsound-heard110_retrieval-unheard.py'))
    cfg.select_on_test = True
    with pytest.raises(ValueError, match='must hold exactly one CIoUMetric; found 0'):
        apply_select_on_test(cfg)
    cfg.select_on_test = 'yes'
    with pytest.raises(ValueError, match="select_on_test must be True or False, got 'yes'"):
        apply_select_on_test(cfg)


def test_selection_on_tiny_data_scores_whole_batches_and_labels_every_score(
        tiny_avshapes, tmp_path):
    """12 test clips in batches of 8 with drop_last: validation scores 8 of them and
    says the checkpoint is selected on the test set; the best checkpoint carries the
    label into tools/test.py's table and log, under the config without the option."""
    work_dir = str(tmp_path / 'work')
    log = run_tool('tools/train.py', MAIN_JOB, '--work-dir', work_dir, '--cfg-options',
                   *data_options(tiny_avshapes), 'train_dataloader.batch_size=8',
                   'test_dataloader.batch_size=8', 'select_on_test=True')
    assert re.search(r'\[checkpoint selected on the test set\] cIoU protocol lvs, union '
                     r'ground truth, on test.txt \(md5 [0-9a-f]{32}\): 12 clips listed, 8 '
                     r'evaluated, 8 scored', log)
    assert re.search(r'Epoch\(val\) \[1\]\[1/1\] +selected-on-test-set/cIoU@0.5: \d', log)
    best = os.path.join(work_dir, 'best_selected-on-test-set_cIoU@0.5_epoch_1.pth')
    for path in (best, os.path.join(work_dir, 'epoch_1.pth')):
        assert load_checkpoint_file(path)['meta']['checkpoint_selection'] == 'test set'

    scores = str(tmp_path / 'scores.json')
    out = run_tool('tools/test.py', MAIN_JOB, best, '--work-dir', work_dir,
                   '--metrics-out', scores, '--cfg-options', *data_options(tiny_avshapes))
    assert re.search(r'Test scores of .*best_selected-on-test-set_cIoU@0.5_epoch_1.pth '
                     r'\(ssltie_r18_1xb16-1e_avshapes.py\) on test.txt .*; checkpoint '
                     r'selected on the test set, not a held-out score:', out)
    assert '[checkpoint selected on the test set] cIoU protocol lvs' in out
    assert 'this checkpoint comes from a run that chose its epoch by cIoU@0.5 on the ' \
        'test set' in out
    assert 'num_listed: 12  num_scored: 12' in out  # tools/test.py scores every clip
    with open(scores) as f:
        assert json.load(f)['checkpoint_selection'] == 'test set'
    # The docs' measured results never take such scores.
    with pytest.raises(SystemExit, match='selected on the test set'):
        benchmark_main_job().read_metrics(scores)

    untrained = run_tool('tools/test.py', MAIN_JOB, 'none', '--work-dir', work_dir,
                         '--cfg-options', *data_options(tiny_avshapes))
    assert 'selected on the test set' not in untrained
