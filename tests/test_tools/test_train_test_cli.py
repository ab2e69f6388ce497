"""The command-line tools, end to end on a tiny generated dataset."""
import json
import os
import re
import subprocess
import sys

import pytest
import torch
from crafted_pickles import write_attack
from tool_runner import ROOT, data_options, run_tool

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')


@pytest.fixture(scope='module')
def trained(tiny_avshapes, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('work'))
    log = run_tool('tools/train.py', CONFIG, '--work-dir', work_dir, '--seed', '1',
                   '--cfg-options', *data_options(tiny_avshapes),
                   'train_dataloader.batch_size=8')
    return work_dir, log


def test_train_writes_checkpoints_and_validates(trained):
    work_dir, log = trained
    assert os.path.isfile(os.path.join(work_dir, 'epoch_1.pth'))
    assert 'ciou/cIoU@0.5' in log and 'loss_equiv' in log


def test_resume_continues_from_the_checkpoint(trained, tiny_avshapes):
    work_dir, _ = trained
    log = run_tool('tools/train.py', CONFIG, '--work-dir', work_dir, '--resume',
                   '--cfg-options', *data_options(tiny_avshapes), 'train_cfg.max_epochs=2',
                   'train_dataloader.batch_size=8')
    assert 'resumed epoch: 1' in log
    assert os.path.isfile(os.path.join(work_dir, 'epoch_2.pth'))


def test_test_prints_scores_writes_overlays_and_dumps(trained, tiny_avshapes, tmp_path):
    work_dir, _ = trained
    dump = str(tmp_path / 'preds.pth')
    out = run_tool('tools/test.py', CONFIG, os.path.join(work_dir, 'epoch_1.pth'),
                   '--work-dir', work_dir, '--show-dir', 'overlays', '--show-num', '5',
                   '--dump', dump, '--cfg-options', *data_options(tiny_avshapes))
    assert re.search(r'^ +cIoU@0.5 +AUC +mean_cIoU$', out, re.M)
    for row in ('model', 'centre_prior', 'other_audio'):
        assert re.search(rf'^{row} +\d\.\d{{4}} +\d\.\d{{4}} +\d\.\d{{4}}$', out, re.M)
    assert re.search(r'num_listed: 12  num_scored: 12  num_unscored: 0', out)
    assert re.search(r'on test.txt \(md5 [0-9a-f]{32}, 12 clips listed\), cIoU '
                     r'protocol lvs:', out)
    pngs = os.listdir(os.path.join(work_dir, 'overlays'))
    assert len(pngs) == 5 and all(p.endswith('.png') for p in pngs)
    curve = str(tmp_path / 'curve.png')
    log = run_tool('tools/analysis/plot_ciou_curve.py', dump, '--protocols', 'lvs', 'ezvsl',
                   '--out', curve)
    # The curve's numbers are the ones test.py printed for the same protocol.
    model_row = re.search(r'^model +(\d\.\d{4}) +(\d\.\d{4})', out, re.M).groups()
    assert f'lvs: cIoU@0.5 {float(model_row[0]):.3f}, AUC {float(model_row[1]):.3f}' in log
    assert 'ezvsl: cIoU@0.5' in log
    import cv2
    image = cv2.imread(curve)
    assert image is not None and image.shape[0] > 300


def test_checkpoint_loads_with_nothing_allowed_beyond_torch_defaults(trained):
    """The checkpoint, message hub included, loads with torch's restricted unpickler
    in a process where nothing was added to its allow-list."""
    work_dir, _ = trained
    code = ('import torch; ckpt = torch.load(__import__("sys").argv[1], map_location="cpu", '
            'weights_only=True); assert "loss" in str(ckpt["message_hub"]["log_scalars"])')
    subprocess.run([sys.executable, '-c', code, os.path.join(work_dir, 'epoch_1.pth')],
                   check=True)


def test_crafted_checkpoints_are_refused_by_every_tool(tiny_avshapes, tmp_path):
    """A pickle reaching exec through getattr (allowed by avloc before) runs nowhere."""
    marker = tmp_path / 'pwned'
    evil = write_attack(str(tmp_path / 'evil.pth'), 'getattr chain', str(marker))
    data = ['--cfg-options', *data_options(tiny_avshapes)]
    commands = {
        'test.py': ['tools/test.py', CONFIG, evil, '--work-dir', str(tmp_path / 't'), *data],
        'train.py --resume': ['tools/train.py', CONFIG, '--resume', evil, '--work-dir',
                              str(tmp_path / 'w'), *data],
        'converter': ['tools/model_converters/ssltie_to_avloc.py', evil,
                      str(tmp_path / 'out.pth')],
        'plot_ciou_curve.py': ['tools/analysis/plot_ciou_curve.py', evil, '--out',
                               str(tmp_path / 'c.png')],
    }
    for name, args in commands.items():
        proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True,
                              text=True)
        assert proc.returncode != 0, name
        assert f'{evil}: refused to load: it asks for GLOBAL getattr' in proc.stderr, (
            name, proc.stderr[-2000:])
        assert not marker.exists(), name


def test_test_rejects_a_missing_checkpoint():
    from avloc.tools.test import main  # in process: the exit message is the one line
    with pytest.raises(SystemExit, match=r'^error: nope.pth: checkpoint not found$'):
        main([CONFIG, 'nope.pth'])


def test_a_missing_config_is_one_line():
    proc = subprocess.run([sys.executable, 'tools/train.py', 'configs/ssltie/nope.py'],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == 'error: configs/ssltie/nope.py: no such config file'
    from avloc.tools.test import main  # tools/test.py parses its arguments the same way
    with pytest.raises(SystemExit,
                       match=r'^error: configs/ssltie/nope.py: no such config file$'):
        main(['configs/ssltie/nope.py', 'none'])


def test_dist_train_with_two_processes(tiny_avshapes, tmp_path):
    """torchrun + gloo on the CPU: DDP training and distributed evaluation."""
    work_dir = str(tmp_path / 'dist')
    log = run_tool('tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
                   '--cfg-options', *data_options(tiny_avshapes),
                   'train_dataloader.batch_size=4', env=dict(PORT='29533'))
    assert 'ciou/num_scored: 8' in log  # both ranks' val clips gathered once
    assert os.path.isfile(os.path.join(work_dir, 'epoch_1.pth'))


def test_test_refuses_a_checkpoint_that_does_not_fit(trained, tiny_avshapes, tmp_path):
    """Renamed keys, or a list: one error line naming the keys, exit status 1, and no
    score table for a random model (half missing and mis-shaped keys take the same
    path: tests/test_engine/test_strict_loading.py)."""
    state = torch.load(os.path.join(trained[0], 'epoch_1.pth'), map_location='cpu',
                       weights_only=True)['state_dict']
    broken = {
        'renamed': ({f'net.{k}': v for k, v in state.items()},
                    rf'{len(state)} missing keys \(first 5: {next(iter(state))}, .*; '
                    rf'{len(state)} unexpected keys \(first 5: net.'),
        'a list': (list(state.values())[:2], 'holds a list, not a checkpoint dict'),
    }
    for name, (content, message) in broken.items():
        path = str(tmp_path / f'{name}.pth')
        torch.save(content, path)
        proc = subprocess.run(
            [sys.executable, 'tools/test.py', CONFIG, path, '--work-dir',
             str(tmp_path / 'w'), '--cfg-options', *data_options(tiny_avshapes)],
            cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 1, (name, proc.stderr[-2000:])
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith(f'error: {path}: '), (name, last)
        assert re.search(message, last), (name, last)
        assert 'Traceback' not in proc.stderr, name
        assert not re.search(r'^ +cIoU@0.5 +AUC', proc.stdout, re.M), name  # no scores


def test_resume_with_another_batch_size_is_refused_in_one_line(trained, tiny_avshapes,
                                                               tmp_path):
    """40 clips in batches of 8 were trained; batches of 4 would skip 20 clips, not 40."""
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', CONFIG, '--resume',
         os.path.join(trained[0], 'epoch_1.pth'), '--work-dir', str(tmp_path / 'w'),
         '--cfg-options', *data_options(tiny_avshapes), 'train_cfg.max_epochs=2',
         'train_dataloader.batch_size=4'],
        cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1].startswith(
        'error: cannot resume at iteration 5: batch_size 8 in the checkpoint, 4 now, '
        'batches_per_epoch 5 in the checkpoint, 10 now.')
    assert 'Epoch(train) [2]' not in proc.stdout + proc.stderr


def test_report_scores_every_protocol_in_one_table_and_one_json(
        trained, tiny_avshapes, tmp_path):
    work_dir, _ = trained
    report = str(tmp_path / 'report')
    instances = [f'instance_test_dataloader.{k}' for k in (
        f'dataset.data_root={tiny_avshapes}', 'num_workers=0', 'persistent_workers=False')]
    out = run_tool('tools/test.py', CONFIG, os.path.join(work_dir, 'epoch_1.pth'),
                   '--work-dir', work_dir, '--report', report,
                   '--cfg-options', *data_options(tiny_avshapes), *instances)
    with open(os.path.join(report, 'report.txt')) as f:
        text = f.read()
    assert text.strip() in out  # printed as written
    for title in ('Localisation of the visible source, per cIoU protocol',
                  'Several sources in one frame', 'Controls (lvs protocol)',
                  'SLAVC extended protocol', 'Negative audio'):
        assert title in text
    for protocol in ('lvs', 'ezvsl', 'adaptive', 'sslalign', 'sslalign_adaptive'):
        assert re.search(rf'^\| {protocol} +\| +\d\.\d{{4}} \|', text, re.M), protocol
    for kind in ('silence', 'noise', 'offscreen'):
        assert re.search(rf'^\| {kind} +\| +\d\.\d{{4}} \|', text, re.M), kind
    with open(os.path.join(report, 'report.json')) as f:
        data = json.load(f)
    metrics = data['metrics']
    assert data['test_set']['list_name'] == 'test.txt'
    assert re.fullmatch(r'[0-9a-f]{32}', data['test_set']['list_md5'])
    assert data['test_set']['num_scored'] == 12
    # The config's own protocol keeps the keys of a plain test run.
    assert {'ciou/cIoU@0.5', 'ciou_ezvsl/cIoU@0.5', 'ciou/extended/AP@0.5',
            'ciou/negative/pIA/silence@maxq3', 'instances/instances/IIoU@0.5',
            'instances_sslalign_adaptive/instances/iAUC'} <= set(metrics)
    assert not [k for k in metrics if 'oracle' in k]
