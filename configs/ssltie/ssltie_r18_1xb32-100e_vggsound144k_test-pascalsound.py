# Audio-referred grounding on PascalSound (later work reports 52.14 cIoU for SSL-TIE).
# Its file format is not public in a form avloc can read, so this config reads the
# generic GroundingListDataset JSON list (frames + audio + normalised boxes or mask
# images, see avloc/datasets/grounding_list.py): convert the benchmark's annotations
# into data/pascalsound/pascalsound.json first.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
test_pipeline = [
    dict(type='LoadFrame'), {{_base_.test_audio}}, {{_base_.spectrogram}},
    dict(type='FixedSizeResize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackAVInputs'),
]
test_dataloader = dict(dataset=dict(
    _delete_=True, type='GroundingListDataset', data_root='data/pascalsound',
    ann_file='pascalsound.json', pipeline=test_pipeline, test_mode=True))
