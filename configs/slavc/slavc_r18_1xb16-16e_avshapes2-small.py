# SLAVC on AVShapes v2 under the small-set budget of the method comparison
# (configs/sweep_method_comparison_avshapes2-small.yml): the budget's data, batch,
# optimiser and schedule (avshapes1k_budget.py, avshapes2_small_budget.py) and LVS's
# audio front end and augmentation (avshapes1k_budget_lvs.py, as EZ-VSL's row), with
# SLAVC's own model: dropout 0.9 / 0, tau 0.03, momentum encoders at 0.999, two
# 512-d projections per modality.
# Departures forced by the setting, as in EZ-VSL's row: the frame encoder starts from
# the AVShapes stand-in for ImageNet weights (docs/avshapes_standin.md; tools/train.py
# builds it on first use), not torchvision's; layer4 keeps stride 1 (96 px at output
# stride 32 would leave a 3x3 map); and there is no object-guided prior, as in the
# EZ-VSL row (give one with model.object_encoder to use it). At 128 steps, a momentum
# of 0.999 leaves the targets at about 88% of their starting weights.
_base_ = [
    '../_base_/models/slavc_r18.py',
    '../_base_/avshapes1k_budget_lvs.py',
    '../_base_/avshapes2_small_budget.py',
]
standin = 'data/avshapes2_small/standin/resnet18_avshapes_cls.pth'
model = dict(
    visual_encoder=dict(layer4_stride=1,
                        init_cfg=dict(type='Pretrained', checkpoint=standin)),
    object_encoder=None)
train_dataloader = {{_base_.avshapes2_small.train_dataloader}}
val_dataloader = {{_base_.avshapes2_small.val_dataloader}}
test_dataloader = {{_base_.avshapes2_small.test_dataloader}}
train_cfg = {{_base_.avshapes2_small.train_cfg}}
param_scheduler = {{_base_.avshapes2_small.param_scheduler}}
default_hooks = {{_base_.avshapes2_small.default_hooks}}
