# Ablation row e: + audio mixing (T_mix). After epoch 1 every training audio is
# embedded, each clip's top-1 neighbour found in a random queue (the paper's 4,000
# clips: the whole 1,000-clip subset here), and epoch 2 mixes with p = 0.11, a = 0.01.
_base_ = ['./ssltie_r18_1xb16-2e_avshapes1k_d-specaugment.py']
train_pipeline = [dict(type='LoadFrame'), {{_base_.audio_loader}},
                  dict(type='MixAudio', loader={{_base_.audio_loader}}),
                  {{_base_.spectrogram}}, {{_base_.spec_augment}},
                  dict(type='MultiView', num_views=1, transforms={{_base_.view_pipeline}}),
                  dict(type='PackAVInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [
    dict(type='HeatmapVisualizationHook', draw=False),
    dict(type='AudioMixingHook', queue_size=4000,
         pipeline=[{{_base_.audio_loader}}, {{_base_.spectrogram}},
                   dict(type='PackAVInputs')]),
]
