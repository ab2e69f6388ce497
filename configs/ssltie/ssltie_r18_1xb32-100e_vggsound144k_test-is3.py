# Several sources in one frame: IS3 (SSL-Align, Senocak et al., ICCV 2023), each
# instance of a frame paired with its own audio and scored against its own box.
# Besides cIoU, CIoUMetric reports IIoU@0.5 and iAUC over the frames (every
# instance found); the 'sslalign' protocol is SSL-Align's own evaluator, and
# `tools/test.py CONFIG CKPT --report DIR` adds every other protocol.
# Layout under data/is3, as IS3 is distributed: images/<stem>.jpg,
# audio_wav/<stem>.wav and IS3_annotation.json (not shipped with avloc).
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
test_pipeline = [
    dict(type='LoadFrame'), {{_base_.test_audio}}, {{_base_.spectrogram}},
    dict(type='FixedSizeResize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackAVInputs'),
]
test_dataloader = dict(dataset=dict(
    _delete_=True, type='IS3Dataset', data_root='data/is3',
    ann_file='IS3_annotation.json', pipeline=test_pipeline, test_mode=True))
test_evaluator = dict(type='CIoUMetric', protocol='sslalign')
