# FNAC trained on VGG-Sound 144k (EZ-VSL's list, vggss_144k.txt) and tested on all
# 5,158 VGG-SS clips, with the settings of the public train_*.sh scripts: one GPU
# (--gpu 0), batch 256, 30 epochs of which the first 5 train the contrastive loss
# alone, Adam at a constant 1e-4 with weight decay 1e-4 (utils.py's
# build_optimizer_and_scheduler_adam, no scheduler), tau 0.03, 512-d projections,
# dropout 0.9 / 0, loss weights 100 / 100 / 100. Its datasets.py is EZ-VSL's
# (vggsound_ezvsl.py) with two changes: it reads VGG-Sound frames as <id>.png (the
# same frame, in another file format), and it masks every training spectrogram with
# one frequency and one time band of 0 to 9 rows / columns set to 0 (FrequencyMask
# and TimeMask, max_width 10, use_mean=False, before the / 12, so 0 after it too).
# Here that is SpecAugment(10, 10, prob 1, value 0). One departure: the public masks
# draw their start over the *other* axis's length (a frequency band starts in
# [0, 200), the number of time frames, a time band in [0, 257), the number of
# bins, so about a fifth of the time bands fall past the end and mask nothing);
# SpecAugment draws each start where its band fits.
# The test scores the bicubic AV map (train.py's validate, test.py's validate2)
# under the EZ-VSL protocol (min-max, pixels at or above the median); see
# configs/fnac/README.md for test.py's other maps.
_base_ = [
    '../_base_/models/fnac_r18.py',
    '../_base_/datasets/vggsound_ezvsl.py',
    '../_base_/schedules/adam_constant_lr.py',
    '../_base_/default_runtime.py',
]
train_pipeline = [
    dict(type='LoadFrame'), {{_base_.audio_loader}}, {{_base_.spectrogram}},
    dict(type='SpecAugment', time_mask=10, freq_mask=10, prob=1.0, mask_value=0.0),
    dict(type='PillowResize', scale=246, interpolation='bicubic'),
    dict(type='RandomAreaCrop', size=224, scale=({{_base_.crop_area}}, {{_base_.crop_area}}),
         ratio=(1.0, 1.0), interpolation='bicubic', backend='pillow'),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='PackAVInputs'),
]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4))
train_cfg = dict(max_epochs=30)
auto_scale_lr = dict(enable=False, base_batch_size=256)
# The held-out clips are scored by audio-visual correspondence (no boxes). The
# public train.py keeps best.pth by cIoU on the test set itself, which test.py then
# scores; avloc keeps best_avc_*.pth (held-out) and epoch_30.pth.
default_hooks = dict(checkpoint=dict(save_best='avc/accuracy', rule='greater'))
