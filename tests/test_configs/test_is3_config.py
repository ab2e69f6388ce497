"""The IS3 test config runs end to end on a tiny test set in IS3's published layout,
scored per instance under SSL-Align's protocol."""
import json
import os
import re

import cv2
import numpy as np
from tool_runner import ROOT, run_tool

from avloc.fileio import write_wav

CONFIG = os.path.join(ROOT, 'configs', 'ssltie',
                      'ssltie_r18_1xb32-100e_vggsound144k_test-is3.py')


def write_is3(root) -> str:
    """Two frames of two instances each: images/, audio_wav/, IS3_annotation.json."""
    os.makedirs(root / 'images')
    os.makedirs(root / 'audio_wav')
    rng = np.random.default_rng(0)
    records = []
    for frame, objects in (('cat_dog_11', ('cat', 'dog')), ('piano_baby_12', ('piano', 'baby'))):
        picture = rng.integers(0, 255, (224, 224, 3), dtype=np.uint8)
        for k, name in enumerate(objects):
            stem = f'{frame}_{name}'
            cv2.imwrite(str(root / 'images' / f'{stem}.jpg'), picture)
            write_wav(str(root / 'audio_wav' / f'{stem}.wav'),
                      (0.1 * rng.standard_normal(3 * 16000)).astype(np.float32), 16000)
            records.append(dict(image=f'/elsewhere/images/{stem}.jpg',
                                audio=f'/elsewhere/audio_wav/{stem}.wav',
                                gt_box=[10.0 + 100 * k, 20.0, 110.0 + 100 * k, 200.0],
                                category=name))
    (root / 'IS3_annotation.json').write_text(json.dumps(records))
    return str(root)


def test_is3_config_scores_each_frame_by_its_instances(tmp_path):
    root = write_is3(tmp_path / 'is3')
    out = run_tool('tools/test.py', CONFIG, 'none', '--work-dir', str(tmp_path / 'work'),
                   '--cfg-options', f'test_dataloader.dataset.data_root={root}',
                   'test_dataloader.batch_size=4', 'test_dataloader.num_workers=0',
                   'test_dataloader.persistent_workers=False')
    assert 'cIoU protocol sslalign, union ground truth, on IS3_annotation.json' in out
    assert '4 clips listed, 4 evaluated, 4 scored' in out
    assert re.search(r'ciou/instances/IIoU@0.5: \d\.\d{4}', out)
    assert 'ciou/instances/num_frames: 2' in out and 'ciou/instances/num_instances: 4' in out
