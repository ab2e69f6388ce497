# FNAC (Sun et al., CVPR 2023), the public model.py with the training scripts'
# settings: ResNet-18 encoders at torchvision's output stride 32 (7x7 maps at 224 px),
# the frame encoder ImageNet-pretrained, dropout 0.9 on the visual map and 0 on the
# audio embedding, 512-d projections (a 1x1 convolution and a linear layer), tau 0.03;
# EZ-VSL's max-pooled contrastive loss plus the three L1 terms at weight 100 each
# (FNS-1 audio, TNS with the 0.6 foreground cut, FNS-2 visual), added after 5 epochs
# of the contrastive loss alone (train.py --warmup 5; the head reads the epoch that
# the runner publishes in its message hub).
# At test time, train.py's validate and test.py's validate2: the map upsampled
# bicubically (align_corners=False), no object prior. test.py's validate upsamples
# bilinearly with corners aligned (heatmap_resize='bilinear'), and both blend in the
# object prior of a frozen ImageNet ResNet-18 with alpha 0.4 when a config adds it
# as object_encoder (EZ-VSL's OGL, BaseLocalizer.test_maps).
model = dict(
    type='FNAC',
    data_preprocessor=dict(type='AVDataPreprocessor'),
    visual_encoder=dict(type='VisualResNet18', layer4_stride=2,
                        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    audio_encoder=dict(type='AudioResNet18', layer4_stride=2),
    head=dict(type='FNACHead', tau=0.03, fg_threshold=0.6, fns_audio_weight=100.0,
              tns_weight=100.0, fns_visual_weight=100.0, warmup_epochs=5),
    embed_dim=512,
    visual_dropout=0.9,
    audio_dropout=0.0,
    test_cfg=dict(ogl_alpha=0.4, heatmap_resize='bicubic'),
)
