# EZ-VSL (Mo & Morgado, ECCV 2022): ResNet-18 encoders at torchvision's output stride
# 32 (7x7 maps at 224 px; the public model.py keeps layer4 at stride 2 in both, unlike
# SSL-TIE's and LVS's audio encoder), 512-d projections, the max-pooled multiple-instance
# contrastive loss with tau 0.03. The object-guided localisation prior needs an
# ImageNet-pretrained ResNet-18, which a config adds as ``object_encoder`` with
# ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
model = dict(
    type='EZVSL',
    data_preprocessor=dict(type='AVDataPreprocessor'),
    visual_encoder=dict(type='VisualResNet18', layer4_stride=2),
    audio_encoder=dict(type='AudioResNet18', layer4_stride=2),
    head=dict(type='MaxMILContrastiveHead', tau=0.03),
    embed_dim=512,
    test_cfg=dict(ogl_alpha=0.4),
)
