# Ablation row f, the public code's way: the pipeline makes one view and the model
# makes the second on its device (RandomEquivarianceTransform: rotation within +-30
# degrees per clip, scale 1 or 0.5 per batch, flip per batch).
_base_ = ['./ssltie_r18_1xb16-2e_avshapes1k_e-mixing.py']
model = dict(equivariance_loss=dict(_delete_=True, type='EquivarianceLoss',
                                    loss_weight=5.0),
             view_transform=dict(type='RandomEquivarianceTransform', max_angle=30,
                                 scales=(1.0, 0.5), flip_prob=0.5))
