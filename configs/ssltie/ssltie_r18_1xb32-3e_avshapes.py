# SSL-TIE on the embedded AVShapes benchmark: the main job, sized for a 2-core CPU.
# Two augmented views per clip from the data pipeline (crop, flip, colour), the LVS
# contrastive loss on each and the equivariance loss between them.
_base_ = [
    '../_base_/models/ssltie_r18.py',
    '../_base_/datasets/avshapes.py',
    '../_base_/schedules/adam_3e.py',
    '../_base_/default_runtime.py',
]
# Spectrogram standardisation (dB), measured on AVShapes training clips.
model = dict(data_preprocessor=dict(audio_mean=-40.0, audio_std=20.0))
