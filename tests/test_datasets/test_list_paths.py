"""Ids and file names read from lists stay inside their root.

A split list or annotation file with a ``../`` id or an absolute path must not make
a dataset read, or a preparation tool write, outside ``data_root`` / ``--out-root``:
every dataset and every ``tools/data/*/prepare.py`` refuses such an entry with an
error naming the list, the line (or JSON entry) and the id, before it touches a
file. The real lists shipped with the project keep passing.
"""
import builtins
import json
import os
import os.path as osp
import re
import runpy
import sys

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from tool_runner import ROOT

from avloc.datasets import (AVSBenchS4Dataset, AVShapesDataset, FlickrSoundNetDataset,
                            GroundingListDataset, VGGSoundDataset, check_list_path, read_box_file,
                            read_clip_list)
from avloc.datasets.preparation import prepare_clips
from avloc.fileio import write_video

REASONS = {'relative': '".." component', 'absolute': 'is an absolute path'}


@pytest.mark.parametrize('value', [
    '-0ZdcVdM8Ns_000030', '---g-f_I2yQ_000001', '10000130166', 'dog/vid0',
    'videos/a/b/c/x_000030', 'x..y', '...x'])
def test_relative_ids_with_subfolders_pass(value):
    assert check_list_path(value, 'list.txt:1') == value


@pytest.mark.parametrize('value, reason', [
    ('../x', '".." component'), ('a/../../x', '".." component'), ('..', '".." component'),
    ('/etc/x', 'absolute path'), ('C:x', 'absolute path'), ('c:/x', 'absolute path'),
    ('a\\..\\..\\x', 'backslash'), ('a\x00b', 'control character'), ('', 'is empty'),
    ('a//b', 'empty or "." component'), ('a/', 'empty or "." component'),
    ('./a', 'empty or "." component'), (7, 'not a string')])
def test_ids_that_could_leave_the_root_are_refused(value, reason):
    with pytest.raises(ValueError, match=re.escape(f'list.txt:3: {value!r} ') + '.*' +
                       re.escape(reason)):
        check_list_path(value, 'list.txt:3')


def shipped_lists():
    meta = [osp.join(ROOT, 'tools', 'data', name, 'meta') for name in ('vggsound', 'flickr')]
    return sorted(osp.join(folder, n) for folder in meta for n in os.listdir(folder)
                  if n.endswith(('.txt', '.csv')))


@pytest.mark.parametrize('path', shipped_lists(), ids=osp.basename)
def test_every_shipped_list_passes(path):
    assert read_clip_list(path)


def test_the_shipped_box_file_passes():
    assert len(read_box_file(osp.join(ROOT, 'tools', 'data', 'vggsound', 'meta',
                                      'vggss.json'), 'clip')) == 5158


@pytest.fixture
def accessed(monkeypatch):
    """Every path Python code opens, stats or lists during the test, made absolute and
    normalised (``FileIndex`` lists ``<root>/frames/../../x``'s folder unnormalised)."""
    paths = []

    def spy(function):
        def recorded(*args, **kwargs):
            if args and isinstance(args[0], (str, bytes, os.PathLike)):
                paths.append(osp.normpath(osp.abspath(os.fsdecode(args[0]))))
            return function(*args, **kwargs)
        return recorded

    monkeypatch.setattr(builtins, 'open', spy(builtins.open))
    for name in ('stat', 'scandir', 'listdir'):
        monkeypatch.setattr(os, name, spy(getattr(os, name)))
    return paths


def escape(target, start, kind):
    """A list entry that reaches ``target`` from ``start`` (the folder it is joined
    to): ``../..``-relative or absolute."""
    return str(target) if kind == 'absolute' else osp.relpath(target, start)


def vggsound_ids(root, outside, kind):
    bad = escape(outside / 'x', root / 'frames', kind)
    (root / 'list.txt').write_text(f'good_000001\n\n{bad}\n')  # line 2 is blank
    return 'list.txt:3', bad, lambda: VGGSoundDataset(
        ann_file='list.txt', data_root=str(root),
        data_prefix=dict(frame='frames', audio='audio'))


def vggsound_pairs(root, outside, kind):
    bad = escape(outside / 'x', root / 'video', kind)  # another clip's audio
    (root / 'pairs.csv').write_text(f'video,audio,label\ngood,good,sounding\n'
                                    f'good,{bad},non-sounding\n')
    return 'pairs.csv:3', bad, lambda: VGGSoundDataset(ann_file='pairs.csv',
                                                       data_root=str(root))


def vggsound_csv(root, outside, kind):
    youtube_id = escape(outside / 'x', root / 'video', kind)
    (root / 'vggsound.csv').write_text(f'abc,30,dog,train\n{youtube_id},30,dog,test\n')
    return 'vggsound.csv:2', youtube_id + '_000030', lambda: VGGSoundDataset(
        ann_file='vggsound.csv', data_root=str(root))


def vggss_json(root, outside, kind):
    bad = escape(outside / 'x', root / 'video', kind)
    (root / 'list.txt').write_text('good\n')
    (root / 'vggss.json').write_text(json.dumps([
        dict(file='good', bbox=[[0, 0, 1, 1]]), dict(file=bad, bbox=[[0, 0, 1, 1]])]))
    return 'vggss.json: entry 1', bad, lambda: VGGSoundDataset(
        ann_file='list.txt', box_file='vggss.json', data_root=str(root))


def flickr(root, outside, kind):
    bad = escape(outside / 'x', root / 'frames', kind)
    (root / 'flickr_test.csv').write_text(f'1000,4\n\n{bad},4\n')
    return 'flickr_test.csv:3', bad, lambda: FlickrSoundNetDataset(
        ann_file='flickr_test.csv', data_root=str(root), test_mode=True)


def avshapes(root, outside, kind):
    bad = escape(outside / 'x', root / 'video', kind)
    (root / '.complete').write_text('')  # no generation: the list is what is tested
    (root / 'test.txt').write_text(f'avshapes_000000\n\n{bad}\n')
    return 'test.txt:3', bad, lambda: AVShapesDataset(
        data_root=str(root), ann_file='test.txt', generate_if_missing=False)


def avsbench_class(root, outside, kind):
    bad = escape(outside, root / 'visual_frames' / 'test', kind)
    (root / 's4.csv').write_text(f'vid0_1,dog\n\nx_1,{bad}\n')
    return 's4.csv:3', bad, lambda: AVSBenchS4Dataset(ann_file='s4.csv',
                                                      data_root=str(root))


def avsbench_video(root, outside, kind):
    bad = escape(outside / 'x_1', root / 'audio_wav' / 'test' / 'dog', kind)
    (root / 's4.csv').write_text(f'vid0_1,dog\n{bad},dog\n')
    return 's4.csv:2', bad, lambda: AVSBenchS4Dataset(ann_file='s4.csv',
                                                      data_root=str(root))


def grounding(key):
    def case(root, outside, kind):
        bad = escape(outside / 'x.png', root, kind)
        entry = dict(id='b', frame='frames/b.png', audio='audio/b.wav', mask='masks/b.png')
        entry[key] = bad
        good = dict(id='a', frame='frames/a.png', audio='audio/a.wav', bbox=[[0, 0, 1, 1]])
        (root / 'list.json').write_text(json.dumps([good, entry]))
        return f'list.json: entry 1 ({entry["id"]}) "{key}"', bad, \
            lambda: GroundingListDataset(ann_file='list.json', data_root=str(root))
    case.__name__ = f'grounding_{key}'
    return case


CASES = [vggsound_ids, vggsound_pairs, vggsound_csv, vggss_json, flickr, avshapes,
         avsbench_class, avsbench_video] + [
             grounding(key) for key in ('id', 'frame', 'audio', 'mask')]


@pytest.mark.parametrize('kind', ['relative', 'absolute'])
@pytest.mark.parametrize('case', CASES, ids=lambda c: c.__name__)
def test_every_dataset_refuses_ids_leaving_data_root(case, kind, tmp_path, accessed):
    """The error names the list, the line or entry and the id; nothing under the
    folder the id points to is even looked at, though it holds the media."""
    init_default_scope('avloc')
    root, outside = tmp_path / 'root', tmp_path / 'outside'
    # The folders the ids are joined to exist, so that ``..`` would resolve.
    for folder in ('frames', 'audio', 'video', 'Annotations', 'visual_frames/test/dog',
                   'gt_masks/test/dog', 'audio_wav/test/dog', '../outside/x'):
        (root / folder).mkdir(parents=True)
    for name in ('x', 'x_000030', 'x_1', 'x/x_1'):  # what the ids would reach
        for ext in ('.jpg', '.png', '.wav', '.mp3', '.mp4', '.xml'):
            (outside / (name + ext)).write_bytes(b'outside')
    where, bad, build = case(root, outside, kind)
    accessed.clear()
    with pytest.raises(ValueError) as error:
        build()
    assert re.search(re.escape(f'{where}: {bad!r} ') + '.*' + re.escape(REASONS[kind]),
                     str(error.value)), str(error.value)
    assert not [p for p in accessed if p.startswith(str(outside))]


@pytest.fixture
def victim(tmp_path):
    """A video and a sentinel frame outside the preparation's folders, where a
    ``../../victim/x`` id in a list (or ``<tmp>/victim/x``) would lead."""
    folder = tmp_path / 'victim'
    folder.mkdir()
    frames = np.full((10, 32, 48, 3), 100, np.uint8)
    tone = 0.4 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
    write_video(str(folder / 'x.mp4'), frames, 10, tone, 16000)
    (folder / 'x.jpg').write_bytes(b'sentinel')
    return folder


@pytest.mark.parametrize('kind', ['relative', 'absolute'])
@pytest.mark.parametrize('tool', ['vggsound', 'flickr'])
def test_every_prepare_tool_refuses_ids_leaving_out_root(tool, kind, tmp_path, victim,
                                                         monkeypatch):
    """``tools/data/<tool>/prepare.py --list``: videos in ``<tmp>/in/videos``, outputs
    in ``<tmp>/out/frames``, so ``../../victim/x`` reaches the same folder from both;
    the sentinel stays, no audio appears, and ``--out-root`` is not even created."""
    video_dir, out = tmp_path / 'in' / 'videos', tmp_path / 'out'
    video_dir.mkdir(parents=True)
    bad = escape(victim / 'x', video_dir, kind)
    assert kind == 'absolute' or osp.relpath(victim / 'x', out / 'frames') == bad
    (tmp_path / 'list.txt').write_text(f'good\n{bad}\n')
    monkeypatch.setattr(sys, 'argv', [
        'prepare.py', str(video_dir), '--out-root', str(out), '--list',
        str(tmp_path / 'list.txt'), '--frame-time', '0.5', '--workers', '1'])
    with pytest.raises(ValueError, match=re.escape(f'list.txt:2: {bad!r} ') + '.*' +
                       re.escape(REASONS[kind])):
        runpy.run_path(osp.join(ROOT, 'tools', 'data', tool, 'prepare.py'),
                       run_name='__main__')
    assert (victim / 'x.jpg').read_bytes() == b'sentinel'
    assert sorted(os.listdir(victim)) == ['x.jpg', 'x.mp4']
    assert not out.exists()


def test_prepare_clips_refuses_ids_of_its_callers(tmp_path, victim):
    out = tmp_path / 'out'
    (tmp_path / 'in' / 'videos').mkdir(parents=True)
    with pytest.raises(ValueError, match=r"clip_ids\[1\]: '../../victim/x' has a "):
        prepare_clips(str(tmp_path / 'in' / 'videos'), str(out), ['good', '../../victim/x'],
                      num_workers=1, progress=False)
    assert (victim / 'x.jpg').read_bytes() == b'sentinel' and not out.exists()
