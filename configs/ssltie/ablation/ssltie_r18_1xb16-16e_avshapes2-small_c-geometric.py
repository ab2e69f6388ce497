# Ablation row c (+ geometric aug) on AVShapes v2 under the small-set budget: the
# AVShapes 1k config's model and pipelines, the budget's data and schedule (see the
# budget file).
_base_ = ['./ssltie_r18_1xb16-2e_avshapes1k_c-geometric.py',
          '../../_base_/avshapes2_small_budget.py']
train_dataloader = {{_base_.avshapes2_small.train_dataloader}}
val_dataloader = {{_base_.avshapes2_small.val_dataloader}}
test_dataloader = {{_base_.avshapes2_small.test_dataloader}}
train_cfg = {{_base_.avshapes2_small.train_cfg}}
param_scheduler = {{_base_.avshapes2_small.param_scheduler}}
default_hooks = {{_base_.avshapes2_small.default_hooks}}
