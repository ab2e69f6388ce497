# SLAVC trained on VGG-Sound 144k (EZ-VSL's list, vggss_144k.txt) and tested on all
# 5,158 VGG-SS clips, as the public scripts/train_vggsound144k.sh runs train.py: batch
# 128, 20 epochs, Adam at a constant 1e-4 without weight decay (utils.py's
# build_optimizer_and_scheduler_adam, lr_schedule 'cte'), tau 0.03, 512-d
# projections, dropout 0.9 / 0, momentum 0.999 / 0.999.
# The script trains on every GPU of a node with DistributedDataParallel, batch 128
# split across them (negatives within each GPU's share); "1xb128" is one process
# at 128, the whole batch contrasted at once.
# The test scores test.py's AV + OGL map (alpha 0.9) under the EZ-VSL protocol
# (the README's --relative_prediction: min-max, then pixels at or above the median).
_base_ = [
    '../_base_/models/slavc_r18.py',
    '../_base_/datasets/vggsound_ezvsl.py',
    '../_base_/schedules/adam_constant_lr.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4, weight_decay=0.0))
train_cfg = dict(max_epochs=20)
auto_scale_lr = dict(enable=False, base_batch_size=128)
# The held-out clips are scored by audio-visual correspondence (no boxes). The
# public test.py scores the last epoch's checkpoint (latest.pth), so test
# epoch_20.pth to follow it; best_avc_*.pth is the held-out selection.
default_hooks = dict(checkpoint=dict(save_best='avc/accuracy', rule='greater'))
