# Ablation row d: + spectrogram masking. SSL-TIE's masks (time up to 180 of 670 frames,
# frequency up to 35 of 257 bins, p=0.8) scaled to the 64 x 65 spectrogram.
_base_ = ['./ssltie_r18_1xb16-2e_avshapes1k_c-geometric.py']
spec_augment = dict(type='SpecAugment', time_mask=17, freq_mask=9, prob=0.8)
train_pipeline = [dict(type='LoadFrame'), {{_base_.audio_loader}}, {{_base_.spectrogram}},
                  spec_augment,
                  dict(type='MultiView', num_views=1, transforms={{_base_.view_pipeline}}),
                  dict(type='PackAVInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
