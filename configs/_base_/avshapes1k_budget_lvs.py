# The AVShapes ablation budget (avshapes1k_budget.py) with LVS's audio front end and
# augmentation, which EZ-VSL shares: the clipped waveform's scipy log-spectrogram / 12
# (257 x 66 for 1 s), and resize to 1.1x then a random crop (a fixed-scale square crop
# of 0.91 of the side) and a horizontal flip.
_base_ = ['./avshapes1k_budget.py']
audio_loader = dict(type='LoadAudio', sample_rate=16000, duration=1.0, min_duration=0.5)
spectrogram = dict(type='LogSpectrogram', sample_rate=16000, nperseg=512, noverlap=274,
                   scale=12.0)
train_pipeline = [
    dict(type='LoadFrame'), audio_loader, spectrogram,
    dict(type='RandomAreaCrop', size=96, scale=(0.826, 0.826), ratio=(1.0, 1.0)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='PackAVInputs'),
]
test_pipeline = [dict(type='LoadFrame'), audio_loader, spectrogram,
                 dict(type='FixedSizeResize', scale=(96, 96)), dict(type='PackAVInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
