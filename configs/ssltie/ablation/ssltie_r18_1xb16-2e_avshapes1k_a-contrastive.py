# Ablation row a: the localisation contrastive loss alone, on one un-augmented view.
# The ablation budget, shared by every row (tools/analysis/ssltie_ablation.py):
# the first 1,000 AVShapes training clips, 2 epochs in batches of 16 (124 steps), the
# main job's optimiser and schedule, the final weights scored on the 500-clip test
# split. Each later row adds one ingredient to the row before it (ssltie.md).
_base_ = [
    '../../_base_/models/ssltie_r18.py',
    '../../_base_/datasets/avshapes.py',
    '../../_base_/schedules/adam_constant_lr.py',
    '../../_base_/default_runtime.py',
]
frame_size = 96
audio_loader = dict(type='LoadAudio', sample_rate=16000, duration=1.0, min_duration=0.5)
spectrogram = dict(type='AudioToSpectrogram', sample_rate=16000, n_fft=512,
                   hop_length=250, n_mels=64)
train_pipeline = [dict(type='LoadFrame'), audio_loader, spectrogram,
                  dict(type='Resize', scale=(frame_size, frame_size)),
                  dict(type='PackAVInputs')]

model = dict(data_preprocessor=dict(audio_mean=-26.0, audio_std=8.6),
             equivariance_loss=None)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=2, eta_min=1e-6,
         convert_to_iter_based=True),
]
# Scored once, after the last epoch: no checkpoint selection inside the budget.
train_cfg = dict(max_epochs=2, val_interval=2)
train_dataloader = dict(batch_size=16,
                        dataset=dict(indices=1000, pipeline=train_pipeline))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_best=None))
