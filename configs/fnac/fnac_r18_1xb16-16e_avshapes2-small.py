# FNAC on AVShapes v2 under the small-set budget of the method comparison
# (configs/sweep_method_comparison_avshapes2-small.yml): the budget's data, batch,
# optimiser and schedule (avshapes1k_budget.py, avshapes2_small_budget.py) and LVS's
# audio front end and augmentation (avshapes1k_budget_lvs.py, as EZ-VSL's row), with
# FNAC's own model and loss: dropout 0.9 / 0, tau 0.03, 512-d projections, the three
# L1 terms at weight 100 and the 0.6 foreground cut. Its contrastive-only warm-up
# keeps the public share of the schedule: 5 of 30 epochs there, 3 of 16 here
# (16 * 5 / 30 = 2.7, rounded up).
# Departures forced by the setting, as in the EZ-VSL and SLAVC rows: the frame
# encoder starts from the AVShapes stand-in for ImageNet weights
# (docs/avshapes_standin.md; tools/train.py builds it on first use), not
# torchvision's; layer4 keeps stride 1 (96 px at output stride 32 would leave a 3x3
# map, too coarse for a foreground cut); and there is no object-guided prior (give
# one with model.object_encoder to use it). The test map is the paper config's
# bicubic upsampling to the input (96 px), which the protocol then resizes to 224.
_base_ = [
    '../_base_/models/fnac_r18.py',
    '../_base_/avshapes1k_budget_lvs.py',
    '../_base_/avshapes2_small_budget.py',
]
standin = 'data/avshapes2_small/standin/resnet18_avshapes_cls.pth'
model = dict(
    visual_encoder=dict(layer4_stride=1,
                        init_cfg=dict(type='Pretrained', checkpoint=standin)),
    head=dict(warmup_epochs=3))
train_dataloader = {{_base_.avshapes2_small.train_dataloader}}
val_dataloader = {{_base_.avshapes2_small.val_dataloader}}
test_dataloader = {{_base_.avshapes2_small.test_dataloader}}
train_cfg = {{_base_.avshapes2_small.train_cfg}}
param_scheduler = {{_base_.avshapes2_small.param_scheduler}}
default_hooks = {{_base_.avshapes2_small.default_hooks}}
