# SLAVC on the embedded benchmark under the SSL-TIE ablation's budget (the first
# 1,000 AVShapes training clips, 2 epochs in batches of 16, Adam 5e-4 with warm-up
# and cosine decay; avshapes1k_budget.py) with LVS's audio front end and
# augmentation (avshapes1k_budget_lvs.py, as EZ-VSL's row), and SLAVC's own model:
# dropout 0.9 / 0, tau 0.03, momentum encoders at 0.999, two 512-d projections per
# modality. A row of the method comparison (configs/sweep_method_comparison_avshapes1k.yml).
# Departures forced by the setting, as in EZ-VSL's row: the frame encoder (and so its
# momentum copy) starts from the AVShapes stand-in for ImageNet weights
# (docs/avshapes_standin.md), not torchvision's; layer4 keeps stride 1 (96 px at
# output stride 32 would leave a 3x3 map); and there is no object-guided prior (give
# one with model.object_encoder to use it). At 124 steps, a momentum of 0.999 leaves
# the targets at about 88% of their starting weights.
_base_ = [
    '../_base_/models/slavc_r18.py',
    '../_base_/avshapes1k_budget_lvs.py',
    '../_base_/avshapes1k_standin.py',
]
model = dict(
    visual_encoder=dict(layer4_stride=1, init_cfg={{_base_.standin}}),
    object_encoder=None)
