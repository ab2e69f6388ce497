# LVS (Chen et al., CVPR 2021): ResNet-18 encoders, layer4 at stride 1, and the
# localisation contrastive loss alone, with the constants of ssltie.md.
model = dict(
    type='LVS',
    data_preprocessor=dict(type='AVDataPreprocessor'),
    visual_encoder=dict(type='VisualResNet18'),
    audio_encoder=dict(type='AudioResNet18'),
    head=dict(type='LocalizationContrastiveHead', eps=0.65, eps2=0.4,
              tau=0.03, temperature=0.07),
)
