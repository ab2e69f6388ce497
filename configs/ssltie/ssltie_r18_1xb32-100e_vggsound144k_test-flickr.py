# SSL-TIE trained on VGG-Sound 144k, tested on the Flickr-SoundNet test set (249
# clips, the annotators' consensus map): the paper's cross-dataset setting.
# Published: cIoU@0.5 0.795, AUC 0.612, by the paper's full model, so this config
# tests the checkpoint of the -mix config (the authors score their released
# vggsound144k.pth.tar with it, scripts/test_VGGSound_Flickr.sh).
# Test layout under data/flickr: frames/<id>.jpg, audio/<id>.wav, Annotations/<id>.xml
# (tools/data/flickr/prepare.py and the annotated test release; docs/real_data.md).
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k-mix.py']
# The model was trained on 16 kHz VGG-Sound audio: Flickr's 22,050 Hz audio is
# resampled to 16 kHz on load, so the spectrogram has the training shape.
test_pipeline = [
    dict(type='LoadFrame'), dict(type='LoadAudio', sample_rate=16000, duration=10.0),
    {{_base_.spectrogram}},
    # The public test transform, torchvision's Resize(224, Image.BICUBIC) and
    # CenterCrop(224) on the PIL image, to the pixel.
    dict(type='PillowResize', scale=224, interpolation='bicubic'),
    dict(type='ExactCenterCrop', size=224),
    dict(type='PackAVInputs'),
]
test_dataloader = dict(dataset=dict(
    _delete_=True, type='FlickrSoundNetDataset', data_root='data/flickr',
    ann_file='meta/flickr_test.csv', data_prefix=dict(frame='frames', audio='audio'),
    audio_ext='.wav', annotation_dir='Annotations', pipeline=test_pipeline,
    test_mode=True))
test_evaluator = dict(type='CIoUMetric', gt_map='consensus')
