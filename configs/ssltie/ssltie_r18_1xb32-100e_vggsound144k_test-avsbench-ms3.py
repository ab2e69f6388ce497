# Audio-referred grounding on AVSBench multi-source (MS3) test frames (64 videos x 5
# frames), scored by cIoU against the binary masks (resized to 224 with nearest
# neighbour) and by AVSBench's own mIoU and F-score (AVSBenchMetric: the heatmap,
# min-max normalised, as the probability map; batches of 4 videos x 5 frames as the
# public test.sh). A frame with no sounding object (an all-black mask) has an empty
# ground-truth map: cIoU scores it as a failure, mIoU by the pixels left empty, and
# the F-score leaves it out, as published.
# Layout under data/avsbench/Multi-sources, as AVSBench distributes it:
# ms3_meta_data.csv (its 'split' column selects the test videos) and ms3_data/ with
# visual_frames/<video>/<video>.mp4_<k>.png, gt_masks/test/<video>/<video>_<k>.png
# and audio_wav/test/<video>.wav (not shipped with avloc). audio_window='slice'
# pairs frame k with second k of the clip's audio (tiled to 10 s); 'clip' uses the
# whole 5-s clip.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
test_pipeline = [
    dict(type='LoadFrame'), {{_base_.test_audio}}, {{_base_.spectrogram}},
    dict(type='LoadGroundTruthMask'),
    dict(type='FixedSizeResize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackAVInputs'),
]
test_dataloader = dict(dataset=dict(
    _delete_=True, type='AVSBenchMS3Dataset', data_root='data/avsbench/Multi-sources',
    ann_file='ms3_meta_data.csv', split='test', audio_window='slice',
    pipeline=test_pipeline, test_mode=True))
test_evaluator = [dict(type='CIoUMetric'), dict(type='AVSBenchMetric')]
