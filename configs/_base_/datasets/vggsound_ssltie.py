# VGG-Sound training and VGG-SS testing with the public SSL-TIE code's data recipe
# (ssltie.md): training on the frame its extractor writes (125.jpg of ffmpeg
# -vf fps=25 -s 299x299: 4.96 s, squashed to 299x299), audio at 16 kHz whose first
# 3 s are tiled to 10 s (silent and short clips kept, as the public code trains on
# them), a 257-band mel spectrogram in dB (1 x 257 x 670), SpecAugment, and the
# "moco_v2" frame augmentation at 224 px, cropped with Pillow as torchvision does.
# Layout under data_root: frames_ssltie/<id>.jpg (training and validation,
# `prepare.py VIDEOS --frame-layout ssltie`), frames/<id>.jpg (test, the frame at
# 5 s), audio/<id>.wav and meta/ (a copy of tools/data/vggsound/meta).
dataset_type = 'VGGSoundDataset'
data_root = 'data/vggsound'
data_prefix = dict(frame='frames', audio='audio')
train_data_prefix = dict(frame='frames_ssltie', audio='audio')
train_audio = dict(type='LoadAudio', sample_rate=16000, duration=10.0, keep_duration=3.0,
                   keep_silent_and_short=True)
test_audio = dict(type='LoadAudio', sample_rate=16000, duration=10.0)
spectrogram = dict(type='AudioToSpectrogram', sample_rate=16000, n_fft=512,
                   hop_length=239, n_mels=257)
spec_augment = dict(type='SpecAugment', time_mask=180, freq_mask=35, prob=0.8)
view_pipeline = [
    dict(type='RandomAreaCrop', size=224, scale=(0.3, 1.0), backend='pillow'),
    dict(type='RandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1,
         prob=0.8),
    dict(type='RandomGrayscaleRGB', prob=0.2),
    dict(type='RandomGaussianBlur', sigma=(0.1, 2.0), kernel_size=23, prob=0.5),
    dict(type='RandomHorizontalFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadFrame'), train_audio, spectrogram, spec_augment,
    dict(type='MultiView', num_views=1, transforms=view_pipeline),
    dict(type='PackAVInputs'),
]
test_pipeline = [
    dict(type='LoadFrame', frame_time=5.0), test_audio, spectrogram,
    # The public test transform, torchvision's Resize(224, Image.BICUBIC) and
    # CenterCrop(224) on the PIL image, to the pixel.
    dict(type='PillowResize', scale=224, interpolation='bicubic'),
    dict(type='ExactCenterCrop', size=224),
    dict(type='PackAVInputs'),
]
# The training list is the one SSL-TIE's own scripts read (train_vggss_train_144k.txt,
# shipped as ssltie_train_vggss_144k.txt): it shares 104,195 of its 144,000 ids with
# EZ-VSL's vggss_144k.txt, on which LVS and EZ-VSL trained, and no id with VGG-SS.
train_list = 'meta/ssltie_train_vggss_144k.txt'
# Validation never touches a test clip: 2% of the training list (chosen by a hash of
# the clip id, so the same clips whatever the list) is held out of training and
# scored by audio-visual correspondence (AVCorrespondenceMetric), which needs no boxes.
holdout = dict(fraction=0.02, seed=0)
train_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=train_data_prefix,
                 ann_file=train_list, holdout=dict(keep='rest', **holdout),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=train_data_prefix,
                 ann_file=train_list, holdout=dict(keep='holdout', **holdout),
                 missing='skip', pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AVCorrespondenceMetric')
test_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=data_prefix,
                 ann_file='meta/ssltie_test_vggss_4911.txt', box_file='meta/vggss.json',
                 box_policy='clip', pipeline=test_pipeline, test_mode=True))
test_evaluator = dict(type='CIoUMetric')
