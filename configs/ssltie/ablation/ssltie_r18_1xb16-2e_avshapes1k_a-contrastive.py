# Ablation row a: the localisation contrastive loss alone, on one un-augmented view.
# Every row shares the budget of _base_/avshapes1k_budget.py; each later row adds one
# ingredient to the row before it (ssltie.md).
_base_ = [
    '../../_base_/models/ssltie_r18.py',
    '../../_base_/avshapes1k_budget.py',
]
frame_size = 96
audio_loader = dict(type='LoadAudio', sample_rate=16000, duration=1.0, min_duration=0.5)
spectrogram = dict(type='AudioToSpectrogram', sample_rate=16000, n_fft=512,
                   hop_length=250, n_mels=64)
train_pipeline = [dict(type='LoadFrame'), audio_loader, spectrogram,
                  dict(type='FixedSizeResize', scale=(frame_size, frame_size)),
                  dict(type='PackAVInputs')]

model = dict(data_preprocessor=dict(audio_mean=-26.0, audio_std=8.6),
             equivariance_loss=None)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
