# Ablation row f: + the equivariance loss, the full SSL-TIE objective
# L = 0.5 * (L_cl(v1) + L_cl(v2)) + lambda_geo * MSE(A2, T(A1)). Here the data pipeline
# makes both views (two independent crops/flips/colourings, as the main job does).
# lambda_geo = 5 as in the main job (6x6 heatmaps, see ssltie_r18_1xb16-1e_avshapes.py).
_base_ = ['./ssltie_r18_1xb16-2e_avshapes1k_e-mixing.py']
train_pipeline = [dict(type='LoadFrame'), {{_base_.audio_loader}},
                  dict(type='MixAudio', loader={{_base_.audio_loader}}),
                  {{_base_.spectrogram}}, {{_base_.spec_augment}},
                  dict(type='MultiView', num_views=2, transforms={{_base_.view_pipeline}}),
                  dict(type='PackAVInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    equivariance_loss=dict(_delete_=True, type='EquivarianceLoss', loss_weight=5.0))
