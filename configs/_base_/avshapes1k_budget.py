# The small training budget shared by SSL-TIE's ablation rows and the LVS and EZ-VSL
# baselines on AVShapes (configs/ssltie/ablation/sweep_avshapes1k.yml): the first
# 1,000 training clips, 2 epochs in batches of 16 (124 steps), the main job's
# optimiser and schedule (Adam 5e-4, 10 warm-up iterations, cosine decay), the final
# weights scored once on the 500-clip test split. A config adds its model and its pipelines.
_base_ = [
    './datasets/avshapes.py',
    './schedules/adam_constant_lr.py',
    './default_runtime.py',
]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=2, eta_min=1e-6,
         convert_to_iter_based=True),
]
# Scored once, after the last epoch: no checkpoint selection inside the budget.
train_cfg = dict(max_epochs=2, val_interval=2)
train_dataloader = dict(batch_size=16, dataset=dict(indices=1000))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_best=None))
