# FNAC on the embedded benchmark under the SSL-TIE ablation's budget (the first
# 1,000 AVShapes training clips, 2 epochs in batches of 16, Adam 5e-4 with warm-up
# and cosine decay; avshapes1k_budget.py) with LVS's audio front end and
# augmentation (avshapes1k_budget_lvs.py, as EZ-VSL's row), and FNAC's own model and
# loss: dropout 0.9 / 0, tau 0.03, 512-d projections, the three L1 terms at weight
# 100 and the 0.6 foreground cut. Its contrastive-only warm-up keeps the public
# share of the schedule: 5 of 30 epochs there, 1 of 2 here (2 * 5 / 30, rounded up).
# A row of the method comparison (configs/sweep_method_comparison_avshapes1k.yml).
# Departures forced by the setting, as in the EZ-VSL and SLAVC rows: the frame
# encoder starts from the AVShapes stand-in for ImageNet weights
# (docs/avshapes_standin.md), not torchvision's; layer4 keeps stride 1 (96 px at
# output stride 32 would leave a 3x3 map, too coarse for a foreground cut); and there
# is no object-guided prior (give one with model.object_encoder to use it). The test
# map is the paper config's bicubic upsampling to the input (96 px), which the
# protocol then resizes to 224.
_base_ = [
    '../_base_/models/fnac_r18.py',
    '../_base_/avshapes1k_budget_lvs.py',
    '../_base_/avshapes1k_standin.py',
]
model = dict(
    visual_encoder=dict(layer4_stride=1, init_cfg={{_base_.standin}}),
    head=dict(warmup_epochs=1))
