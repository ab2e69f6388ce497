"""Every shipped config loads and builds; the paper configs run end to end on tiny
fake data in their real on-disk layouts."""
import glob
import os
import re

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import ROOT, run_tool

from avloc.fileio import write_wav
from avloc.registry import MODELS, TRANSFORMS

CONFIGS = sorted(p for p in glob.glob(os.path.join(ROOT, 'configs', '**', '*.py'),
                                      recursive=True) if '_base_' not in p)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: os.path.relpath(p, ROOT))
def test_config_builds(path):
    init_default_scope('avloc')
    cfg = Config.fromfile(path)
    MODELS.build(cfg.model)
    for split in ('train_dataloader', 'test_dataloader'):
        for step in cfg[split].dataset.pipeline:
            TRANSFORMS.build(step)


def fake_clips(root, ids, audio_ext='.wav', frame_size=(48, 64)):
    """Extracted-layout clips: frames/<id>.jpg (test frames), frames_ssltie/<id>.jpg
    (the SSL-TIE paper configs' training frames) and audio/<id><ext> (2 s of a tone)."""
    for sub in ('frames', 'frames_ssltie', 'audio', 'meta'):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    rng = np.random.default_rng(0)
    for i, clip_id in enumerate(ids):
        frame = rng.integers(0, 255, (*frame_size, 3), dtype=np.uint8)
        for frames in ('frames', 'frames_ssltie'):
            cv2.imwrite(os.path.join(root, frames, clip_id + '.jpg'), frame)
        tone = 0.3 * np.sin(2 * np.pi * (300 + 100 * i) * np.arange(32000) / 16000)
        write_wav(os.path.join(root, 'audio', clip_id + audio_ext), tone, 16000)


def test_vggsound_mixing_config_trains_and_tests(tmp_path):
    """VGG-Sound 144k with audio mixing: 2 epochs (the hook fires after the first),
    then VGG-SS-style testing with a corrupted box clipped."""
    root = str(tmp_path / 'vggsound')
    ids = [f'clip{i}_000010' for i in range(4)]
    fake_clips(root, ids)
    with open(os.path.join(root, 'meta', 'train.txt'), 'w') as f:
        f.write('\n'.join(ids))
    with open(os.path.join(root, 'meta', 'test.txt'), 'w') as f:
        f.write('\n'.join(i + '.jpg' for i in ids[:2]))
    with open(os.path.join(root, 'meta', 'vggss.json'), 'w') as f:
        f.write('[{"file": "clip0_000010", "class": "dog", "bbox": [[0.1, 0.1, 0.6, 0.7]]},'
                ' {"file": "clip1_000010", "class": "cat", '
                '"bbox": [[-2.88e16, 0.2, 0.5, 0.9]]}]')
    config = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb32-100e_vggsound144k-mix.py')
    options = ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
               'train_dataloader.dataset.ann_file=meta/train.txt',
               f'test_dataloader.dataset.data_root={root}',
               'test_dataloader.dataset.ann_file=meta/test.txt',
               'train_dataloader.batch_size=2', 'test_dataloader.batch_size=2',
               'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
               'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
               'train_cfg.max_epochs=2']
    # Half of the four training clips are held out for validation here (2% in the
    # config): the hash puts clip1 and clip2 there.
    holdout = ['train_dataloader.dataset.holdout.fraction=0.5',
               f'val_dataloader.dataset.data_root={root}',
               'val_dataloader.dataset.ann_file=meta/train.txt',
               'val_dataloader.dataset.holdout.fraction=0.5', 'val_dataloader.batch_size=2',
               'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False']
    work_dir = str(tmp_path / 'work')
    log = run_tool('tools/train.py', config, '--work-dir', work_dir, *options, *holdout,
                   'custom_hooks.1.num_workers=0')
    assert 'Audio mixing: 2 clips embedded' in log and 'loss_equiv' in log
    assert 'audio-visual correspondence on train.txt' in log
    assert '2 clips scored of 2 listed' in log
    assert re.search(r'avc/accuracy: \d', log)
    assert os.path.isfile(os.path.join(work_dir, 'best_avc_accuracy_epoch_1.pth')) or \
        os.path.isfile(os.path.join(work_dir, 'best_avc_accuracy_epoch_2.pth'))
    out = run_tool('tools/test.py', config, os.path.join(work_dir, 'epoch_2.pth'),
                   '--work-dir', work_dir, *options)
    assert re.search(r'cIoU protocol lvs, union ground truth, on test.txt \(md5 [0-9a-f]{32}\)'
                     r': 2 clips listed, 2 evaluated, 2 scored', out)
    assert re.search(r'^model +\d\.\d{4} +\d\.\d{4} +\d\.\d{4}$', out, re.M)


def test_device_aug_config_trains_with_the_augmentations_on_the_device(tmp_path):
    """The spectrogram and the appearance augmentations in the data preprocessor:
    the workers pack waveforms, the model still trains."""
    root = str(tmp_path / 'vggsound')
    ids = [f'clip{i}_000010' for i in range(4)]
    fake_clips(root, ids)
    with open(os.path.join(root, 'meta', 'train.txt'), 'w') as f:
        f.write('\n'.join(ids))
    config = os.path.join(ROOT, 'configs', 'ssltie',
                          'ssltie_r18_1xb32-100e_vggsound144k_device-aug.py')
    init_default_scope('avloc')
    cfg = Config.fromfile(config)
    packed = [TRANSFORMS.build(t) for t in cfg.train_pipeline]
    results = dict(frame_path=os.path.join(root, 'frames', ids[0] + '.jpg'),
                   audio_path=os.path.join(root, 'audio', ids[0] + '.wav'), sample_idx=0)
    for transform in packed:
        results = transform(results)
    assert set(results['inputs']) == {'imgs', 'audio'}
    log = run_tool('tools/train.py', config, '--work-dir', str(tmp_path / 'work'),
                   '--cfg-options', f'train_dataloader.dataset.data_root={root}',
                   'train_dataloader.dataset.ann_file=meta/train.txt',
                   'train_dataloader.dataset.holdout=None', 'train_dataloader.batch_size=2',
                   'train_dataloader.num_workers=0',
                   'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
                   'val_cfg=None', 'val_dataloader=None', 'val_evaluator=None',
                   'default_hooks.checkpoint.save_best=None')
    assert re.search(r'Epoch\(train\) \[1\]\[2/2\].*loss_equiv', log)


def test_flickr_config_scores_the_consensus_map(tmp_path):
    root = str(tmp_path / 'flickr')
    ids = ['1000', '1001']
    fake_clips(root, ids, frame_size=(256, 256))
    os.makedirs(os.path.join(root, 'Annotations'))
    for clip_id in ids:
        with open(os.path.join(root, 'Annotations', clip_id + '.xml'), 'w') as f:
            f.write('<annotation><object><bbox><label>x</label><xmin>10</xmin><ymin>10'
                    '</ymin><xmax>200</xmax><ymax>200</ymax></bbox></object></annotation>')
    with open(os.path.join(root, 'meta', 'flickr_test.csv'), 'w') as f:
        f.write('1000,4\n1001,4')
    config = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb32-100e_flickr10k.py')
    out = run_tool('tools/test.py', config, 'none', '--work-dir', str(tmp_path / 'work'),
                   '--cfg-options', f'test_dataloader.dataset.data_root={root}',
                   'test_dataloader.dataset.audio_ext=.wav', 'test_dataloader.batch_size=2',
                   'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False')
    assert 'consensus ground truth, on flickr_test.csv' in out
    assert '2 clips listed, 2 evaluated, 2 scored' in out


@pytest.mark.parametrize(
    'metafile', sorted(glob.glob(os.path.join(ROOT, 'configs', '*', 'metafile.yml'))))
def test_metafile_names_existing_configs(metafile):
    import yaml
    with open(metafile) as f:
        models = yaml.safe_load(f)['Models']
    for model in models:
        assert os.path.isfile(os.path.join(ROOT, model['Config'])), model['Config']
        assert os.path.basename(model['Config']) == model['Name'] + '.py'


NO_WORKERS = ['test_dataloader.batch_size=2', 'test_dataloader.num_workers=0',
              'test_dataloader.persistent_workers=False']


def test_avsbench_config_scores_masks(avsbench_s4, tmp_path):
    config = os.path.join(ROOT, 'configs', 'ssltie',
                          'ssltie_r18_1xb32-100e_vggsound144k_test-avsbench-s4.py')
    out = run_tool('tools/test.py', config, 'none', '--work-dir', str(tmp_path / 'work'),
                   '--cfg-options', f'test_dataloader.dataset.data_root={avsbench_s4}',
                   *NO_WORKERS)
    assert 'cIoU protocol lvs, union ground truth, on s4_test.csv' in out
    assert '2 clips listed, 2 evaluated, 2 scored' in out


def test_extended_config_pairs_other_audio_and_reports_ap(tmp_path):
    root = str(tmp_path / 'vggsound')
    ids = [f'clip{i}_000010' for i in range(3)]
    fake_clips(root, ids)
    with open(os.path.join(root, 'meta', 'test.csv'), 'w') as f:
        f.write('\n'.join(ids))
    with open(os.path.join(root, 'meta', 'vggss.json'), 'w') as f:
        f.write('[' + ', '.join(f'{{"file": "{i}", "class": "dog", "bbox": '
                                f'[[0.1, 0.1, 0.{5 + n}, 0.7]]}}'
                                for n, i in enumerate(ids)) + ']')
    config = os.path.join(ROOT, 'configs', 'ssltie',
                          'ssltie_r18_1xb32-100e_vggsound144k_test-vggss-extended.py')
    out = run_tool('tools/test.py', config, 'none', '--work-dir', str(tmp_path / 'work'),
                   '--cfg-options', f'test_dataloader.dataset.data_root={root}',
                   'test_dataloader.dataset.ann_file=meta/test.csv', *NO_WORKERS)
    assert 'cIoU protocol ezvsl, union ground truth, on test.csv' in out
    assert re.search(r'^ +AP@0.5 +max_F1@0.5 +precision@0.5 +AP@0.75', out, re.M)
    assert re.search(r'^extended( +\d\.\d{4}){6} +3$', out, re.M)  # 3 non-visible
    assert re.search(r'^size large +\d+', out, re.M)


def test_retrieval_config_prints_every_direction(tiny_avshapes, tmp_path):
    from tool_runner import data_options
    config = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes_retrieval.py')
    out = run_tool('tools/test.py', config, 'none', '--work-dir', str(tmp_path / 'work'),
                   '--cfg-options', *data_options(tiny_avshapes))
    assert 'exact inner product (IndexFlatIP) on CPU' in out
    assert re.search(r'^ +A@1 +P@1 +R@1 +A@5 .* mAP$', out, re.M)
    for row in ('a2a', 'a2i', 'i2a', 'random a2a', 'random i2a'):
        assert re.search(rf'^{row} +\d\.\d{{4}}', out, re.M), row
    assert 'num_queries: 12' in out
