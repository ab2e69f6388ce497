"""docs/real_data.md runs as written: each walkthrough's ``bash`` blocks, copied from
the page, run in a folder holding a tiny download in the benchmark's real layout
(tests/real_layouts.py), from preparation to training, the report and the demo.

The only change made to the page's commands is appending the ``--cfg-options`` the
page's "Shorter runs" section lists (one epoch, batch 2, no loader processes, the
test clips that exist): a few seconds of training instead of 100 epochs.
"""
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import List

from real_layouts import (FLICKR_SECONDS, VGGSOUND_SECONDS, flickr_annotations, pick_training_ids,
                          soundnet_download, soundnet_path, vggsound_download)
from tool_runner import ROOT

from avloc.datasets.vggsound import read_id_list
from avloc.fileio import video_info

DOC = osp.join(ROOT, 'docs', 'real_data.md')
NO_WORKERS = [f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
              for key in ('num_workers=0', 'persistent_workers=False')]
SHORTER = {
    'python tools/train.py': ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=2',
                              'val_dataloader.batch_size=2', *NO_WORKERS[:4]],
    'python tools/test.py': ['test_dataloader.batch_size=2', *NO_WORKERS[4:],
                             'test_dataloader.dataset.missing=skip'],
}


def walkthrough(name: str) -> List[str]:
    """The page's ``bash`` blocks marked ``<!-- walkthrough:<name> -->``, in order."""
    with open(DOC) as f:
        blocks = re.findall(rf'<!-- walkthrough:{name} -->\n```bash\n(.*?)```', f.read(),
                            flags=re.S)
    assert blocks, f'{DOC}: no walkthrough:{name} blocks'
    return blocks


def shortened(block: str) -> str:
    """The block with each training and test command given the shorter-run options."""
    lines = block.replace('\\\n', ' ').splitlines()
    out = []
    for line in lines:
        for command, options in SHORTER.items():
            if line.startswith(command):
                line += ' --cfg-options ' + ' '.join(options)
        out.append(line)
    return '\n'.join(out) + '\n'


def run_blocks(folder: str, name: str) -> List[str]:
    """Run each block with bash in ``folder`` (the repository's tools/ and configs/
    linked in, so the page's relative paths hold); returns each block's output."""
    for sub in ('tools', 'configs'):
        os.symlink(osp.join(ROOT, sub), osp.join(folder, sub))
    env = dict(os.environ, PATH=osp.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    logs = []
    for block in walkthrough(name):
        start = time.time()
        proc = subprocess.run(['bash', '-euo', 'pipefail', '-c', shortened(block)],
                              cwd=folder, env=env, capture_output=True, text=True,
                              timeout=300)
        log = proc.stdout + proc.stderr
        print(f'{time.time() - start:.1f} s: {block.splitlines()[0]}')
        assert proc.returncode == 0, f'{shortened(block)}\n{log[-4000:]}'
        logs.append(log)
    return logs


def demo_video(name: str) -> str:
    """The video the page's demo command reads."""
    demo = next(b for b in walkthrough(name) if 'video_demo.py' in b)
    return re.search(r'video_demo\.py (\S+\.mp4)', demo)[1]


def check_report(work_dir: str, list_name: str, num_listed: int, num_scored: int) -> None:
    """The report names the list and how many of its clips it scored."""
    with open(osp.join(work_dir, 'report', 'report.json')) as f:
        test_set = json.load(f)['test_set']
    assert (test_set['list_name'], test_set['num_listed'], test_set['num_scored']) == \
        (list_name, num_listed, num_scored)
    with open(osp.join(work_dir, 'report', 'report.txt')) as f:
        assert f'on {list_name} (md5 {test_set["list_md5"]}' in f.read()


def check_demo(log: str, work_dir: str, seconds: float) -> None:
    """The demo wrote one overlaid frame a second (``--fps 1``) of the whole clip
    into the work dir the training wrote."""
    path = osp.join(work_dir, 'demo.mp4')
    name = osp.join('work_dirs', osp.basename(work_dir), 'demo.mp4')  # as the page says
    written = re.search(rf'(\d+) frames in .*wrote {re.escape(name)}', log)
    assert written, log[-2000:]
    expected = int(seconds) + 1  # frames at 0 s, 1 s, ... up to the clip's end
    info = video_info(path)
    assert int(written[1]) == expected and info['num_frames'] == expected, info
    assert info['fps'] == 1


def test_the_page_documents_every_option_the_test_adds():
    with open(DOC) as f:
        page = f.read()
    for options in SHORTER.values():
        for option in options:
            assert f'`{option}`' in page, option


def test_vggsound_walkthrough_runs_as_written(tmp_path):
    meta = osp.join(ROOT, 'tools', 'data', 'vggsound', 'meta')
    train = pick_training_ids(osp.join(meta, 'ssltie_train_vggss_10k.txt'), 2, 2)
    test = read_id_list(osp.join(meta, 'ssltie_test_vggss_4911.txt'))[:2]
    demo = demo_video('vggsound')
    assert demo == f'downloads/vggsound/{test[0]}.mp4'
    vggsound_download(str(tmp_path / 'downloads' / 'vggsound'), train + test)

    prepared, trained, tested, demoed = run_blocks(str(tmp_path), 'vggsound')
    assert 'ssltie_train_vggss_10k.txt: 4 of 10000 clips available' in prepared
    assert 'ssltie_test_vggss_4911.txt: 2 of 4911 clips available' in prepared
    assert re.search(r'Epoch\(train\) \[1\]\[1/1\].*loss_equiv', trained)
    work_dir = tmp_path / 'work_dirs' / 'ssltie_r18_1xb32-100e_vggsound10k'
    assert (work_dir / 'best_avc_accuracy_epoch_1.pth').is_file()
    assert '4909 of 4911 listed clips have no file' in tested
    check_report(str(work_dir), 'ssltie_test_vggss_4911.txt', 4911, 2)
    check_demo(demoed, str(work_dir), VGGSOUND_SECONDS)


def test_flickr_walkthrough_runs_as_written(tmp_path):
    meta = osp.join(ROOT, 'tools', 'data', 'flickr', 'meta')
    train_list = osp.join(meta, 'ssltie_train_flickr_10k.txt')
    train = set(pick_training_ids(train_list, 2, 2))
    with open(train_list) as f:  # the release paths the list gives for those ids
        paths = [line.strip() for line in f
                 if osp.splitext(osp.basename(line.strip()))[0] in train]
    test = read_id_list(osp.join(meta, 'flickr_test.csv'))[:2]
    assert demo_video('flickr') == f'data/flickr_videos/{test[0]}.mp4'
    soundnet_download(str(tmp_path / 'downloads' / 'soundnet'), paths, test)
    assert (tmp_path / 'downloads' / 'soundnet' / soundnet_path(test[0], True)).is_file()
    flickr_annotations(str(tmp_path / 'downloads' / 'flickr_test' / 'Annotations'), test)

    prepared, trained, tested, demoed = run_blocks(str(tmp_path), 'flickr')
    assert 'ssltie_train_flickr_10k.txt: 4 of 10000 clips available' in prepared
    assert 'flickr_test.csv: 2 of 249 clips available' in prepared
    assert re.search(r'Epoch\(train\) \[1\]\[1/1\].*loss_equiv', trained)
    work_dir = tmp_path / 'work_dirs' / 'ssltie_r18_1xb32-100e_flickr10k'
    assert (work_dir / 'best_avc_accuracy_epoch_1.pth').is_file()
    assert 'consensus ground truth, on flickr_test.csv' in tested
    check_report(str(work_dir), 'flickr_test.csv', 249, 2)
    check_demo(demoed, str(work_dir), FLICKR_SECONDS)
