# SSL-TIE with ResNet-18 encoders and the paper's loss constants (ssltie.md), as the
# public code defines them: both encoders with layer4 at stride 1, one visual
# encoder pass per view, and the equivariance loss's MSE over every heatmap cell
# after warping view 1's heatmap the public way (upsample, warp, resize).
model = dict(
    type='SSLTIE',
    data_preprocessor=dict(type='AVDataPreprocessor'),
    visual_encoder=dict(type='VisualResNet18'),
    audio_encoder=dict(type='AudioResNet18'),
    head=dict(type='LocalizationContrastiveHead', eps=0.65, eps2=0.4,
              tau=0.03, temperature=0.07),
    equivariance_loss=dict(type='EquivarianceLoss', loss_weight=1.0, cells='all',
                           heatmap_warp='public'),
    joint_view_pass=False,
)
