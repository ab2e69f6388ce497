# AVShapes, the embedded benchmark: generated into data_root on first use.
# 96x96 network input (6x6 heatmaps), 1 s of 16 kHz audio, a 64-band mel spectrogram (64 x 65).
dataset_type = 'AVShapesDataset'
data_root = 'data/avshapes'
generator = dict(num_train=4000, num_val=200, num_test=500, seed=0, num_workers=2)
frame_size = 96  # network input; the generated frames are 128x128
audio = dict(sample_rate=16000, duration=1.0)
spectrogram = dict(type='AudioToSpectrogram', sample_rate=16000, n_fft=512,
                   hop_length=250, n_mels=64)

train_pipeline = [
    dict(type='LoadFrame'),
    dict(type='LoadAudio', min_duration=0.5, **audio),
    spectrogram,
    dict(type='MultiView', num_views=2, transforms=[
        dict(type='RandomAreaCrop', size=frame_size, scale=(0.5, 1.0)),
        dict(type='RandomHorizontalFlip', prob=0.5),
        # No colour jitter: AVShapes v1 draws each class in its own colour, a cue the
        # jitter's hue shift blurs (validation runs in configs/ssltie/README.md).
    ]),
    dict(type='PackAVInputs'),
]
test_pipeline = [
    dict(type='LoadFrame'),
    dict(type='LoadAudio', min_duration=0.5, **audio),
    spectrogram,
    dict(type='FixedSizeResize', scale=(frame_size, frame_size)),
    dict(type='PackAVInputs'),
]

train_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='train.txt',
                 generator=generator, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='val.txt',
                 generator=generator, pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='test.txt',
                 generator=generator, pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='CIoUMetric')
test_evaluator = val_evaluator
# The test clips with two or three objects once per object, each object with a sound
# of its own class (AVShapesInstancesDataset): `tools/test.py --report` scores them
# per instance (IIoU, iAUC; docs/evaluation.md).
instance_test_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='AVShapesInstancesDataset', data_root=data_root, ann_file='test.txt',
                 generator=generator, pipeline=test_pipeline, test_mode=True))
