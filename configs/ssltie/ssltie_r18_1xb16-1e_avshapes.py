# SSL-TIE on the embedded AVShapes benchmark: the main job, sized for a 2-core CPU
# (about 8 minutes including data generation): one epoch of 3,000 clips in batches
# of 16, which learns more per CPU-second than fewer, larger batches. Two augmented
# views per clip from the data pipeline (crop, flip, colour), the LVS contrastive
# loss on each and the equivariance loss between them.
# The learning rate, crop scale and lambda_geo were chosen on the validation split
# (configs/ssltie/README.md lists the runs), never on the test split.
_base_ = [
    '../_base_/models/ssltie_r18.py',
    '../_base_/datasets/avshapes.py',
    '../_base_/schedules/adam_constant_lr.py',
    '../_base_/default_runtime.py',
]
model = dict(
    # Spectrogram standardisation (dB), measured on AVShapes training clips.
    data_preprocessor=dict(audio_mean=-26.0, audio_std=8.6),
    # A 6x6 heatmap gives the equivariance term few cells; the paper's 1.0 (on
    # 14x14 maps) left it too weak here: 0.65 -> 0.78 validation cIoU@0.5 with 5.0.
    equivariance_loss=dict(loss_weight=5.0))
# 3e-4 learns faster than the paper's 1e-4 in so short a schedule.
optim_wrapper = dict(optimizer=dict(lr=3e-4))
train_cfg = dict(max_epochs=1)
train_dataloader = dict(batch_size=16)
