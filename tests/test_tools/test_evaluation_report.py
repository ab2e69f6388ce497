"""The per-checkpoint report: which metrics it switches on for a test config, and the
tables it makes of their scores."""
import os

from mmengine.config import Config
from tool_runner import ROOT

from avloc.tools.evaluation_report import (REPORT_PROTOCOLS, format_report, instance_config,
                                           protocol_rows, report_config)

MS3 = os.path.join(ROOT, 'configs', 'ssltie',
                   'ssltie_r18_1xb32-100e_vggsound144k_test-avsbench-ms3.py')
AVSHAPES = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')


def test_report_config_scores_every_protocol_and_attaches_every_control():
    cfg = Config.fromfile(MS3)
    cfg.test_evaluator = [dict(type='CIoUMetric', protocol='ezvsl', gt_map='union'),
                          dict(type='AVCorrespondenceMetric'), dict(type='AVSBenchMetric')]
    report_config(cfg)
    dataset = cfg.test_dataloader.dataset
    assert dataset.other_audio_control and dataset.negative_audio == ['silence', 'noise']
    metrics = cfg.test_evaluator
    # the config's own protocol first, keeping the plain run's prefix and its options,
    # with the extended and negative-audio scores; then each other protocol once
    assert metrics[0] == dict(type='CIoUMetric', protocol='ezvsl', prefix='ciou',
                              gt_map='union', extended=True, negative_audio=True)
    assert protocol_rows(metrics) == [('ciou', 'ezvsl')] + [
        (f'ciou_{p}', p) for p in REPORT_PROTOCOLS if p != 'ezvsl']
    assert [m['type'] for m in metrics].count('AVCorrespondenceMetric') == 1
    assert [m['type'] for m in metrics].count('AVSBenchMetric') == 1  # masks: kept once


def test_instance_config_tests_the_instance_loader_without_overlays():
    cfg = Config.fromfile(AVSHAPES)
    cfg.custom_hooks = [dict(type='HeatmapVisualizationHook', draw=True)]
    report_config(cfg)
    instances = instance_config(cfg)
    assert instances.test_dataloader.dataset.type == 'AVShapesInstancesDataset'
    assert protocol_rows(instances.test_evaluator)[0] == ('instances', 'lvs')
    assert not [m for m in instances.test_evaluator if m.get('negative_audio')]
    assert instances.custom_hooks == []
    assert cfg.test_dataloader.dataset.type == 'AVShapesDataset'  # left as it was


def test_tables_show_what_the_scores_support_and_nothing_else():
    metrics = {'ciou/cIoU@0.5': 0.8, 'ciou/AUC': 0.6, 'ciou/mean_cIoU': 0.55,
               'ciou_ezvsl/cIoU@0.5': 0.7, 'ciou_ezvsl/AUC': 0.5, 'ciou_ezvsl/mean_cIoU': 0.45,
               'ciou/centre_prior/cIoU@0.5': 0.2, 'ciou/centre_prior/AUC': 0.4,
               'avsbench/mIoU': 0.31, 'avsbench/F-score': 0.42,
               'avsbench/centre_prior/mIoU': 0.11, 'avsbench/centre_prior/F-score': 0.12,
               'avsbench/num_frames': 10}
    text = format_report(metrics, 'HEADER', [('ciou', 'lvs'), ('ciou_ezvsl', 'ezvsl')])
    lines = text.splitlines()
    assert lines[0] == 'HEADER'
    assert '| lvs   |   0.8000 | 0.6000 |    0.5500 |' in lines
    assert '| ezvsl |   0.7000 | 0.5000 |    0.4500 |' in lines
    assert '| centre prior |   0.2000 | 0.4000 |' in lines
    assert '| model        | 0.3100 |  0.4200 |' in lines
    assert '| centre prior | 0.1100 |  0.1200 |' in lines
    for absent in ('Several sources', 'SLAVC', 'Negative audio', 'other audio', 'num_'):
        assert absent not in text
