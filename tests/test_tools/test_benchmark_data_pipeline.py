import os.path as osp

import numpy as np
import pytest
from analysis_scripts import import_analysis, table_rows

from avloc.fileio import write_video


def test_mp4_comparison_counts_the_extraction_once(capsys):
    bench = import_analysis('benchmark_data_pipeline')
    bench.mp4_run_table(extraction=10.0, public=100.0, first=12.0, later=200.0, epochs=100)
    rows = [row for row in table_rows(capsys.readouterr().out)
            if row[0].startswith(('public code', 'avloc'))]
    public, avloc = ([float(cell) for cell in row[1:]] for row in rows)
    # The public code extracts once, then loads every epoch.
    public_first, public_run = 1 / (1 / 10 + 1 / 100), 100 / (1 / 10 + 100 / 100)
    assert public == pytest.approx([public_first, 1, public_run, 1], abs=0.05)
    # avloc: its first pass decodes, the 99 epochs after it read the cache.
    avloc_run = 100 / (1 / 12 + 99 / 200)
    assert avloc == pytest.approx([12, 12 / public_first, avloc_run, avloc_run / public_run],
                                  abs=0.05)


def test_public_extraction_writes_the_frame_at_5s_and_the_soundtrack(tmp_path):
    bench = import_analysis('benchmark_data_pipeline')
    root = tmp_path / 'clips'
    (root / 'video').mkdir(parents=True)
    frames = np.zeros((250, 32, 32, 3), np.uint8)
    frames[125] = 200  # the frame at 5 s at 25 fps is bright
    audio = np.sin(np.arange(160000) / 10).astype(np.float32) * 0.3
    write_video(str(root / 'video' / 'c0.mp4'), frames, 25, audio, 16000)
    bench.public_extraction(str(root))('c0')
    out = tmp_path / 'extracted_from_mp4'
    assert osp.isfile(out / 'frames' / 'c0.jpg') and osp.isfile(out / 'audio' / 'c0.wav')
    from avloc.fileio import read_image
    assert read_image(str(out / 'frames' / 'c0.jpg')).mean() > 150
