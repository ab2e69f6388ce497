"""The AVSBench-MS3 test config runs end to end on a tiny test set in the layout
AVSBench distributes, scored by cIoU and by AVSBench's mIoU and F-score."""
import os
import re

from avsbench_layout import write_ms3
from tool_runner import ROOT, run_tool

CONFIG = os.path.join(ROOT, 'configs', 'ssltie',
                      'ssltie_r18_1xb32-100e_vggsound144k_test-avsbench-ms3.py')


def test_avsbench_ms3_config_scores_masks(tmp_path):
    root = write_ms3(tmp_path, {'vid_1': 'test', 'vid_2': 'test', 'other_0': 'val'},
                     black=('vid_1_3', ))
    out = run_tool('tools/test.py', CONFIG, 'none', '--work-dir', str(tmp_path / 'work'),
                   '--cfg-options', f'test_dataloader.dataset.data_root={root}',
                   'test_dataloader.batch_size=4', 'test_dataloader.num_workers=0',
                   'test_dataloader.persistent_workers=False')
    assert 'cIoU protocol lvs, union ground truth, on ms3_meta_data.csv' in out
    assert '10 clips listed, 10 evaluated, 10 scored' in out
    assert '1 with an empty ground-truth map' in out
    assert re.search(r'AVSBench mIoU and F-score \(beta2 0.3, 255 thresholds\) on '
                     r'ms3_meta_data.csv \(md5 [0-9a-f]{32}\): 10 frames listed, 10 evaluated '
                     r'in 1 batches of 20; 1 with no sounding object', out)
    for key in ('avsbench/mIoU', 'avsbench/F-score', 'avsbench/centre_prior/mIoU',
                'avsbench/other_audio/F-score'):
        assert re.search(rf'{key}: \d\.\d{{4}}', out), key
