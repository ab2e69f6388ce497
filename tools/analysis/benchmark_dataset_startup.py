"""How long building a VGG-Sound-sized dataset's clip list takes: checking every
listed file with one directory scan (avloc's :class:`FileIndex`) against one
``os.path.isfile`` per file, on a generated tree of empty files.

    python tools/analysis/benchmark_dataset_startup.py --clips 100000

``--clips 100000`` makes 200,000 files (``frames/<id>.jpg`` and ``audio/<id>.wav``,
the extracted layout). Both checks run ``--repeats`` times, interleaved, in one
process; the median of each is reported, with the time of a whole
``VGGSoundDataset`` construction (list parsing included). On a local disk the
``stat`` calls are cached by the kernel after the first pass, so the ratio here is a
floor: on a network file system each ``isfile`` is a round trip.
"""
import argparse
import os
import os.path as osp
import shutil
import statistics
import tempfile
import time

from avloc.datasets import VGGSoundDataset
from avloc.datasets.file_index import FileIndex


def make_tree(root: str, clips: int) -> list:
    """``clips`` ids with an empty frame and audio file each, and their list."""
    ids = [f'clip{i:07d}' for i in range(clips)]
    for folder, ext in (('frames', '.jpg'), ('audio', '.wav')):
        os.makedirs(osp.join(root, folder))
        for clip_id in ids:
            open(osp.join(root, folder, clip_id + ext), 'wb').close()
    with open(osp.join(root, 'train.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clips', type=int, default=100000,
                        help='clips in the tree; two files each (default: 100000, '
                             '200k files, the order of VGG-Sound 144k)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--root', help='where to build the tree (default: a temporary '
                                       'folder, removed afterwards)')
    args = parser.parse_args()
    root = args.root or tempfile.mkdtemp(prefix='avloc_startup_')
    try:
        start = time.perf_counter()
        ids = make_tree(root, args.clips)
        print(f'made {2 * len(ids):,} empty files in {time.perf_counter() - start:.1f} s')
        paths = [osp.join(root, folder, i + ext) for i in ids
                 for folder, ext in (('frames', '.jpg'), ('audio', '.wav'))]
        times = {'isfile per file': [], 'one scan per directory': [],
                 'VGGSoundDataset(...)': []}
        for _ in range(args.repeats):
            start = time.perf_counter()
            assert all(osp.isfile(p) for p in paths)
            times['isfile per file'].append(time.perf_counter() - start)
            start = time.perf_counter()
            index = FileIndex()
            assert all(index.isfile(p) for p in paths)
            times['one scan per directory'].append(time.perf_counter() - start)
            start = time.perf_counter()
            dataset = VGGSoundDataset(ann_file='train.txt', data_root=root,
                                      data_prefix=dict(frame='frames', audio='audio'))
            assert len(dataset) == len(ids)
            times['VGGSoundDataset(...)'].append(time.perf_counter() - start)
        baseline = statistics.median(times['isfile per file'])
        print(f'\n{len(paths):,} files, median of {args.repeats}:\n')
        print('| check | seconds | vs isfile per file |\n|---|---|---|')
        for name, values in times.items():
            median = statistics.median(values)
            print(f'| {name} | {median:.3f} | {baseline / median:.2f}x |')
    finally:
        if not args.root:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
