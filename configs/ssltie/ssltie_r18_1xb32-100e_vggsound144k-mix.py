# SSL-TIE on VGG-Sound 144k with audio mixing (T_mix), the paper's best VGG-SS
# setting: after each epoch e every training audio is embedded, each clip's top-1
# neighbour found in a random queue of 4,000 clips, and the next epoch mixes in the
# neighbour's waveform with p = 0.1 + 0.01 e and weight 0.01 e.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
train_pipeline = [
    dict(type='LoadFrame', frame_time=5.0), {{_base_.train_audio}},
    dict(type='MixAudio', loader={{_base_.train_audio}}),
    {{_base_.spectrogram}}, {{_base_.spec_augment}},
    dict(type='MultiView', num_views=1, transforms={{_base_.view_pipeline}}),
    dict(type='PackAVInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [
    dict(type='HeatmapVisualizationHook', draw=False),
    dict(type='AudioMixingHook', queue_size=4000, batch_size=64, num_workers=8,
         pipeline=[{{_base_.test_audio}}, {{_base_.spectrogram}},
                   dict(type='PackAVInputs')]),
]
