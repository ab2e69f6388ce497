"""Prepare downloaded Flickr-SoundNet videos for training.

    python tools/data/flickr/prepare.py /path/to/flickr/videos --workers 16

writes data/flickr/frames/<id>.jpg (the frame at 3 s: the 4th frame of the public
code's 1-frame-per-second extraction), data/flickr/audio/<id>.wav at 22,050 Hz (the
rate of the public release's mp3s, which the Flickr configs expect), copies the split
lists into data/flickr/meta and reports missing and corrupt clips in
data/flickr/prepare_summary.json. The Flickr configs read the public release's .mp3
audio; for prepared data add
``--cfg-options train_dataloader.dataset.audio_ext=.wav val_dataloader.dataset.audio_ext=.wav test_dataloader.dataset.audio_ext=.wav``.
The test set's Annotations/<id>.xml come with the test media, not from videos.
Re-running resumes; see avloc/datasets/preparation.py.
"""
import os.path as osp

from avloc.datasets.preparation import run_cli

if __name__ == '__main__':
    run_cli(__doc__.splitlines()[0], out_root='data/flickr', frame_time=3.0,
            sample_rate=22050, meta_dir=osp.join(osp.dirname(__file__), 'meta'))
