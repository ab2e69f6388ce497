"""Prepare downloaded VGG-Sound videos for training and VGG-SS testing.

    python tools/data/vggsound/prepare.py /path/to/vggsound/videos --workers 16

writes data/vggsound/frames/<id>.jpg (the frame at 5 s, as SSL-TIE extracts it),
data/vggsound/audio/<id>.wav (16 kHz mono), copies the split lists and vggss.json
into data/vggsound/meta, and reports missing and corrupt clips in
data/vggsound/prepare_summary.json. Re-running resumes; see
avloc/datasets/preparation.py.
"""
import os.path as osp

from avloc.datasets.preparation import run_cli

if __name__ == '__main__':
    run_cli(__doc__.splitlines()[0], out_root='data/vggsound', frame_time=5.0,
            sample_rate=16000, meta_dir=osp.join(osp.dirname(__file__), 'meta'))
