# The AVShapes stand-in for ImageNet ResNet-18 weights (docs/avshapes_standin.md):
# a ResNet-18 trained to name the objects of AVShapes training frames, which the
# method comparison's rows start their frame encoder from where their paper starts
# from ImageNet (LVS, EZ-VSL, SLAVC, FNAC; SSL-TIE starts from random weights).
# tools/train.py builds it under the data root on first use.
standin = dict(type='Pretrained', checkpoint='data/avshapes/standin/resnet18_avshapes_cls.pth')
