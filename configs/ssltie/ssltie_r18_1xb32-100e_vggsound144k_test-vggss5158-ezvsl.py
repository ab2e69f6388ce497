# VGG-SS (5,158 clips) under the EZ-VSL protocol, to compare with EZ-VSL and its
# descendants: the frame is resized to 224x224 without a crop (so the boxes cover the
# whole frame), the heatmap resized with align_corners=True, and the prediction keeps
# pixels at or above the median (inclusive).
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k_test-vggss5158.py']
test_pipeline = [
    dict(type='LoadFrame', frame_time=5.0), {{_base_.test_audio}}, {{_base_.spectrogram}},
    # EZ-VSL's public Resize((224, 224), Image.BICUBIC) on the PIL image.
    dict(type='PillowResize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackAVInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_evaluator = dict(type='CIoUMetric', protocol='ezvsl')
