import os

from avloc.datasets.file_index import FileIndex


def test_answers_as_isfile_with_one_scan_per_folder(tmp_path, monkeypatch):
    (tmp_path / 'frames').mkdir()
    (tmp_path / 'frames' / 'a.jpg').write_bytes(b'')
    (tmp_path / 'frames' / 'sub').mkdir()
    (tmp_path / 'frames' / 'link.jpg').symlink_to(tmp_path / 'frames' / 'a.jpg')
    (tmp_path / 'frames' / 'dangling.jpg').symlink_to(tmp_path / 'gone.jpg')
    scans = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, 'scandir', lambda d: scans.append(d) or real_scandir(d))
    index = FileIndex()
    frames = str(tmp_path / 'frames')
    paths = [os.path.join(frames, n) for n in
             ('a.jpg', 'sub', 'link.jpg', 'dangling.jpg', 'b.jpg', 'sub/x.jpg')]
    paths.append(str(tmp_path / 'no_folder' / 'a.jpg'))
    assert [index.isfile(p) for p in paths] == [os.path.isfile(p) for p in paths]
    assert [index.isfile(p) for p in paths] == [True, False, True, False, False, False,
                                                False]
    assert sorted(scans) == sorted([frames, os.path.join(frames, 'sub'),
                                    str(tmp_path / 'no_folder')])
    item = dict(clip_id='a', frame_path=paths[0], audio_path=paths[4])
    assert index.absent(item) == [paths[4]]
