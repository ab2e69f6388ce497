# SLAVC (Mo & Morgado, NeurIPS 2022), the public model.py with the training script's
# settings: ResNet-18 encoders at torchvision's output stride 32 (7x7 maps at 224 px),
# the frame encoder ImageNet-pretrained, dropout 0.9 on the visual map and 0 on the
# audio embedding, two 512-d projections per modality, momentum encoders with
# m = 0.999 for both modalities, tau 0.03.
# At test time, test.py's maps: bicubic upsampling (corners aligned) and the object
# prior of a frozen ImageNet ResNet-18 blended with alpha 0.9 on fixed ranges
# (SLAVC.test_maps). use_mom_eval is False, as test.py runs in the published test
# scripts; the training script sets it only for its per-epoch validation on the test
# set, which avloc replaces by a held-out correspondence score.
imagenet_resnet18 = dict(type='Pretrained', checkpoint='torchvision://resnet18')
model = dict(
    type='SLAVC',
    data_preprocessor=dict(type='AVDataPreprocessor'),
    visual_encoder=dict(type='VisualResNet18', layer4_stride=2, init_cfg=imagenet_resnet18),
    audio_encoder=dict(type='AudioResNet18', layer4_stride=2),
    head=dict(type='SLAVCHead', tau=0.03),
    embed_dim=512,
    visual_dropout=0.9,
    audio_dropout=0.0,
    momentum_visual=0.999,
    momentum_audio=0.999,
    use_mom_eval=False,
    object_encoder=dict(type='VisualResNet18', layer4_stride=2, init_cfg=imagenet_resnet18),
    test_cfg=dict(ogl_alpha=0.9),
)
