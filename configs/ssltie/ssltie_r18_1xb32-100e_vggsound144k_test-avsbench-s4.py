# Audio-referred grounding on AVSBench single-source (S4) test frames, scored by cIoU
# against the binary masks (resized to 224 with nearest neighbour); later work reports
# 62.88 cIoU for SSL-TIE here, with a protocol it does not fully specify.
# Layout under data/avsbench: visual_frames/, gt_masks/, audio_wav/ as AVSBench ships
# them, and s4_test.csv (lines <video>_<k>,<class>), which is not shipped with avloc:
# AVSBench distributes it. audio_window='slice' pairs frame k with second k of the
# clip's audio (tiled to 10 s); 'clip' uses the whole 5-s clip.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
test_pipeline = [
    dict(type='LoadFrame'), {{_base_.test_audio}}, {{_base_.spectrogram}},
    dict(type='LoadGroundTruthMask'),
    dict(type='FixedSizeResize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackAVInputs'),
]
test_dataloader = dict(dataset=dict(
    _delete_=True, type='AVSBenchS4Dataset', data_root='data/avsbench',
    ann_file='s4_test.csv', split='test', audio_window='slice', pipeline=test_pipeline,
    test_mode=True))
test_evaluator = dict(type='CIoUMetric')
