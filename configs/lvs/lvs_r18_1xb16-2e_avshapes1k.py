# LVS on the embedded benchmark, under the SSL-TIE ablation's budget (the first
# 1,000 AVShapes training clips, 2 epochs in batches of 16, the same optimiser and
# schedule; tools/analysis/ssltie_ablation.py scores it beside the ablation rows).
# LVS's own audio front end (clipped waveform, scipy log-spectrogram / 12: 257 x 66
# for 1 s) and its augmentation: resize to 1.1x then a random crop (a fixed-scale
# square crop of 0.91 of the side) and a horizontal flip.
_base_ = [
    '../_base_/models/lvs_r18.py',
    '../_base_/datasets/avshapes.py',
    '../_base_/schedules/adam_constant_lr.py',
    '../_base_/default_runtime.py',
]
audio_loader = dict(type='LoadAudio', sample_rate=16000, duration=1.0, min_duration=0.5)
spectrogram = dict(type='LogSpectrogram', sample_rate=16000, nperseg=512, noverlap=274,
                   scale=12.0)
train_pipeline = [
    dict(type='LoadFrame'), audio_loader, spectrogram,
    dict(type='RandomResizedCrop', size=96, scale=(0.826, 0.826), ratio=(1.0, 1.0)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackAVInputs'),
]
test_pipeline = [dict(type='LoadFrame'), audio_loader, spectrogram,
                 dict(type='Resize', scale=(96, 96)), dict(type='PackAVInputs')]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=2, eta_min=1e-6,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=2, val_interval=2)
train_dataloader = dict(batch_size=16, dataset=dict(indices=1000, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_best=None))
