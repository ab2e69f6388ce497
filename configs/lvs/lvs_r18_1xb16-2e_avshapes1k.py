# LVS on the embedded benchmark, under the SSL-TIE ablation's budget (the first
# 1,000 AVShapes training clips, 2 epochs in batches of 16, the same optimiser and
# schedule; configs/ssltie/ablation/sweep_avshapes1k.yml scores it beside the
# ablation rows), with LVS's own audio front end and augmentation (see the second
# base).
_base_ = [
    '../_base_/models/lvs_r18.py',
    '../_base_/avshapes1k_budget_lvs.py',
]
