# Ablation row b: + appearance augmentation, SSL-TIE's "moco_v2" recipe (colour jitter
# p=0.8, grayscale p=0.2, Gaussian blur sigma 0.1-2 p=0.5; the blur kernel is ~10% of
# the frame as in MoCo v2, 9 px at 96 px).
_base_ = ['./ssltie_r18_1xb16-2e_avshapes1k_a-contrastive.py']
train_pipeline = [
    dict(type='LoadFrame'), {{_base_.audio_loader}}, {{_base_.spectrogram}},
    dict(type='FixedSizeResize', scale=(96, 96)),
    dict(type='RandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1,
         prob=0.8),
    dict(type='RandomGrayscaleRGB', prob=0.2),
    dict(type='RandomGaussianBlur', sigma=(0.1, 2.0), kernel_size=9, prob=0.5),
    dict(type='PackAVInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
