# SSL-TIE trained on Flickr-SoundNet 144k, tested on the Flickr-SoundNet test set
# (249 clips, consensus of the annotators' boxes). Flickr audio is 22,050 Hz (the rate
# of SoundNet's mp3 release), of which training keeps the first 4 s (tiled to 10 s):
# a 1 x 257 x 923 spectrogram.
# Published: cIoU@0.5 0.815, AUC 0.611. The authors ship two recipes for it,
# scripts/train_Flickr144k.sh (main.py, this config) and train_Flickr144k_audmix.sh
# (main_audmix.py, which stops with an error: args.lr_decay_epoch is not defined),
# and do not say which trained the published model.
# Training list: EZ-VSL's flickr_144k.txt. SSL-TIE's own (train_flickr_144k.txt)
# cannot be read from its public repository (a damaged git object), so this is the
# one SSL-TIE paper config that does not train on SSL-TIE's list.
# Layout under data/flickr: frames_ssltie/<id>.jpg (training and validation: the
# SoundNet frame 00000003.jpg as `prepare.py --frame-layout ssltie` reconstructs it),
# frames/<id>.jpg (test), audio/<id>.wav, Annotations/<id>.xml (test) and meta/ (a
# copy of tools/data/flickr/meta), as tools/data/flickr/prepare.py writes it (the
# Annotations come with the annotated test release; docs/real_data.md). The audio is
# .wav: the prepared soundtrack at 22,050 Hz, and the test layout LVS and EZ-VSL
# read. SSL-TIE's own loader reads SoundNet's mp3 release in place
# (mp3/videos/<a>/<b>/<c>/<id>.mp4.mp3); to train on those files instead, link them
# as audio/<id>.mp3 and set audio_ext='.mp3' on the three datasets.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
dataset_type = 'FlickrSoundNetDataset'
data_root = 'data/flickr'
train_audio = dict(type='LoadAudio', sample_rate=22050, duration=10.0, keep_duration=4.0,
                   keep_silent_and_short=True)
test_audio = dict(type='LoadAudio', sample_rate=22050, duration=10.0)
spectrogram = dict(type='AudioToSpectrogram', sample_rate=22050, n_fft=512,
                   hop_length=239, n_mels=257)
train_pipeline = [
    dict(type='LoadFrame'), train_audio, spectrogram, {{_base_.spec_augment}},
    dict(type='MultiView', num_views=1, transforms={{_base_.view_pipeline}}),
    dict(type='PackAVInputs'),
]
test_pipeline = [
    dict(type='LoadFrame'), test_audio, spectrogram,
    # The public test transform, torchvision's Resize(224, Image.BICUBIC) and
    # CenterCrop(224) on the PIL image, to the pixel.
    dict(type='PillowResize', scale=224, interpolation='bicubic'),
    dict(type='ExactCenterCrop', size=224),
    dict(type='PackAVInputs'),
]
train_dataloader = dict(dataset=dict(
    type=dataset_type, data_root=data_root, ann_file='meta/flickr_144k.txt',
    audio_ext='.wav', pipeline=train_pipeline))
# Validation scores held-out training clips, which have no boxes: the plain
# extracted-layout dataset reads them (FlickrSoundNetDataset in test mode would ask
# each for an Annotations/<id>.xml).
val_dataloader = dict(dataset=dict(
    type='VGGSoundDataset', data_root=data_root, ann_file='meta/flickr_144k.txt',
    audio_ext='.wav', pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(
    _delete_=True, type=dataset_type, data_root=data_root, ann_file='meta/flickr_test.csv',
    data_prefix=dict(frame='frames', audio='audio'), audio_ext='.wav',
    annotation_dir='Annotations', pipeline=test_pipeline, test_mode=True))
test_evaluator = dict(type='CIoUMetric', gt_map='consensus')
