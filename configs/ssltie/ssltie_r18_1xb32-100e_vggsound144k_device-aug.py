# The paper config with the spectrogram, SpecAugment and the appearance
# augmentations run batched on the model's device (AVDataPreprocessor) instead of in
# the dataloader workers, which then only decode, crop and flip. The same operations
# and parameter ranges, drawn per clip (colour and blur commute with the flip, so
# applying them after it changes nothing); see
# avloc/models/data_preprocessors/batch_augments.py and
# tools/analysis/benchmark_data_pipeline.py for what each placement costs.
# Copy the two blocks below into another config to switch it.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
train_pipeline = [
    dict(type='LoadFrame'), {{_base_.train_audio}},
    dict(type='MultiView', num_views=1, transforms=[
        dict(type='RandomAreaCrop', size=224, scale=(0.3, 1.0), backend='pillow'),
        dict(type='RandomHorizontalFlip', prob=0.5)]),
    dict(type='PackAVInputs'),  # packs the waveform: no spectrogram computed yet
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(data_preprocessor=dict(
    spectrogram=dict(type='BatchMelSpectrogram', sample_rate=16000, n_fft=512,
                     hop_length=239, n_mels=257),
    spec_augments=[dict(type='BatchSpecAugment', time_mask=180, freq_mask=35, prob=0.8)],
    frame_augments=[
        dict(type='BatchColorJitter', brightness=0.4, contrast=0.4, saturation=0.4,
             hue=0.1, prob=0.8),
        dict(type='BatchRandomGrayscale', prob=0.2),
        dict(type='BatchGaussianBlur', sigma=(0.1, 2.0), kernel_size=23, prob=0.5),
    ]))
