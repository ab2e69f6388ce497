"""Prepare downloaded VGG-Sound videos for training and VGG-SS testing.

    python tools/data/vggsound/prepare.py /path/to/vggsound/videos --workers 16

writes data/vggsound/frames/<id>.jpg (the frame at 5 s at the video's size),
data/vggsound/audio/<id>.wav (16 kHz mono), copies the split lists and vggss.json
into data/vggsound/meta, and reports missing and corrupt clips in
data/vggsound/prepare_summary.json. With ``--frame-layout ssltie`` the frames go to
data/vggsound/frames_ssltie/<id>.jpg instead: the frame SSL-TIE's public code trains
on, 125.jpg of its extractor (utils/convert_video2frames.py,
``ffmpeg -i VIDEO -vf fps=25 -s 299x299 DIR/%03d.jpg``: the frame at 4.96 s squashed
to 299x299), byte for byte as FFmpeg's command line writes it; the SSL-TIE paper
configs train on those. Re-running resumes; see avloc/datasets/preparation.py.
"""
import os.path as osp

from avloc.datasets.frame_extraction import SSLTIE_VGGSOUND
from avloc.datasets.preparation import run_cli

if __name__ == '__main__':
    run_cli(__doc__.splitlines()[0], out_root='data/vggsound', frame_time=5.0,
            sample_rate=16000, meta_dir=osp.join(osp.dirname(__file__), 'meta'),
            ssltie_frame=SSLTIE_VGGSOUND,
            ssltie_source="utils/convert_video2frames.py's 125.jpg: the frame at 4.96 s, "
            'squashed to 299x299')
