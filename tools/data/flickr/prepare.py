"""Prepare downloaded Flickr-SoundNet videos for training.

    python tools/data/flickr/prepare.py /path/to/flickr/videos --workers 16

writes data/flickr/frames/<id>.jpg (the frame at 3 s at the video's size),
data/flickr/audio/<id>.wav at 22,050 Hz (the rate of SoundNet's mp3 release), copies
the split lists into data/flickr/meta and reports missing and corrupt clips in
data/flickr/prepare_summary.json: the layout the Flickr configs read as they are.
SoundNet's release nests its videos (videos/<a>/<b>/<c>/<id>.mp4, videos2/...); link
them into one folder first (docs/real_data.md). The test set's Annotations/<id>.xml
come with the annotated test release, not from videos.

``--frame-layout ssltie`` writes data/flickr/frames_ssltie/<id>.jpg instead, standing
in for the 00000003.jpg SSL-TIE trains on. Those come from SoundNet's frame release,
one frame a second, made by a command that is not published: this reconstructs it
as ``ffmpeg -i VIDEO -vf fps=1 DIR/%08d.jpg`` (files numbered from 1, so the last
frame before 2.5 s, at the video's size); see SSLTIE_FLICKR in
avloc/datasets/frame_extraction.py for the evidence and its limits.
Re-running resumes; see avloc/datasets/preparation.py.
"""
import os.path as osp

from avloc.datasets.frame_extraction import SSLTIE_FLICKR
from avloc.datasets.preparation import run_cli

if __name__ == '__main__':
    run_cli(__doc__.splitlines()[0], out_root='data/flickr', frame_time=3.0,
            sample_rate=22050, meta_dir=osp.join(osp.dirname(__file__), 'meta'),
            ssltie_frame=SSLTIE_FLICKR,
            ssltie_source="00000003.jpg of SoundNet's one-frame-a-second release, "
            'reconstructed: the frame before 2.5 s at the size of the video')
