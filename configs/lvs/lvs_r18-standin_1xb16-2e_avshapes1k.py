# LVS as its paper initialises it, on the embedded benchmark under the SSL-TIE
# ablation's budget: the frame encoder starts from the AVShapes stand-in for the
# ImageNet weights of the public model.py (resnet18(pretrained=True)); everything
# else is the ablation's LVS row (lvs_r18_1xb16-2e_avshapes1k.py). A row of the
# method comparison (configs/sweep_method_comparison_avshapes1k.yml).
_base_ = ['./lvs_r18_1xb16-2e_avshapes1k.py', '../_base_/avshapes1k_standin.py']
model = dict(visual_encoder=dict(init_cfg={{_base_.standin}}))
