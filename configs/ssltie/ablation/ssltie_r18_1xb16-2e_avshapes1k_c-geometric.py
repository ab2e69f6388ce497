# Ablation row c: + geometric augmentation (random resized crop, scale 0.3-1, and
# horizontal flip, both recorded as homographies).
_base_ = ['./ssltie_r18_1xb16-2e_avshapes1k_b-appearance.py']
view_pipeline = [
    dict(type='RandomAreaCrop', size=96, scale=(0.3, 1.0)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='RandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1,
         prob=0.8),
    dict(type='RandomGrayscaleRGB', prob=0.2),
    dict(type='RandomGaussianBlur', sigma=(0.1, 2.0), kernel_size=9, prob=0.5),
]
train_pipeline = [dict(type='LoadFrame'), {{_base_.audio_loader}}, {{_base_.spectrogram}},
                  dict(type='MultiView', num_views=1, transforms=view_pipeline),
                  dict(type='PackAVInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
