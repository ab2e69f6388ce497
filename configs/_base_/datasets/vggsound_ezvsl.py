# VGG-Sound training and VGG-SS testing with the data recipe of EZ-VSL's public code,
# which SLAVC and FNAC ship unchanged (datasets.py of stoneMo/EZ-VSL, stoneMo/SLAVC):
# - frame: frames/<id>.jpg (prepare.py's frame at 5 s, at the video's own size);
# - audio: a 3-s window centred in the clip (start max(d / 2 - 1.5, 0) for a clip
#   of d seconds), tiled when shorter, clipped to [-1, 1], scipy's log power
#   spectrogram / 12 (LogSpectrogram: 1 x 257 x 200 at 16 kHz), at test time too
#   (the test set's audio_dur=5 is never passed to load_spectrogram);
# - training frame: torchvision Resize(246, BICUBIC) (short side to int(224 * 1.1)),
#   RandomCrop(224), RandomHorizontalFlip; test frame: Resize((224, 224), BICUBIC),
#   no crop (the boxes cover the whole frame). Both with ImageNet normalisation,
#   done by the data preprocessor.
# Layout under data_root: frames/<id>.jpg, audio/<id>.wav (16 kHz) and meta/ (a copy
# of tools/data/vggsound/meta).
#
# Where the pipeline departs from the public code (avloc lacks the exact transform):
# - The audio window starts at a fixed 3.5 s, the centre of a 10-s clip (VGG-Sound's
#   length): LoadAudio has no window centred on each file's own duration. A clip
#   shorter than 3.5 s has no window there and is skipped (the public code starts
#   such a clip at 0 and tiles it).
# - avloc has no fixed-size random crop (torchvision's RandomCrop). The nearest is a
#   RandomAreaCrop of a square whose area is 224^2 / (246 * 437) of the resized
#   frame, resized to 224 with Pillow: for a 16:9 frame (246 x 437 after the resize,
#   most of VGG-Sound) that is a 224 x 224 crop at a uniform random position,
#   resampled at scale 1 (an identity), the public crop to the pixel; a frame of
#   another shape gets a square of another side (smaller for 4:3, 194 px), scaled
#   to 224. A RandomCrop(size) transform would make it exact for every shape.
# - The public dataset replaces a clip whose media fails with a random other clip;
#   avloc's datasets skip and count it. Silent clips are kept, as the public code
#   trains on them (keep_silent_and_short=True).
dataset_type = 'VGGSoundDataset'
data_root = 'data/vggsound'
data_prefix = dict(frame='frames', audio='audio')
audio_loader = dict(type='LoadAudio', sample_rate=16000, duration=3.0, offset=3.5,
                    keep_silent_and_short=True)
test_audio_loader = dict(type='LoadAudio', sample_rate=16000, duration=3.0, offset=3.5)
spectrogram = dict(type='LogSpectrogram', sample_rate=16000, nperseg=512, noverlap=274,
                   scale=12.0)
# 224^2 / (246 * 437): the share of a 16:9 frame resized to a 246-px short side that
# a 224 x 224 crop covers.
crop_area = 224 * 224 / (246 * 437)
train_pipeline = [
    dict(type='LoadFrame'), audio_loader, spectrogram,
    dict(type='PillowResize', scale=246, interpolation='bicubic'),
    dict(type='RandomAreaCrop', size=224, scale=(crop_area, crop_area), ratio=(1.0, 1.0),
         interpolation='bicubic', backend='pillow'),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='PackAVInputs'),
]
test_pipeline = [
    dict(type='LoadFrame', frame_time=5.0), test_audio_loader, spectrogram,
    # The public Resize((224, 224), Image.BICUBIC) on the PIL image.
    dict(type='PillowResize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackAVInputs'),
]
# EZ-VSL's 144k training list (vggss_144k.txt, also SLAVC's and FNAC's). It holds
# 3,709 of the 5,158 VGG-SS test clips (tools/data/vggsound/meta/README.md).
train_list = 'meta/vggss_144k.txt'
# Validation never touches a test clip: 2% of the training list (chosen by a hash of
# the clip id) is held out of training and scored by audio-visual correspondence.
# The public train.py validates on the test set every epoch instead; its test.py
# scores the last checkpoint, so no checkpoint is selected on the test set.
holdout = dict(fraction=0.02, seed=0)
train_dataloader = dict(
    batch_size=128, num_workers=8, persistent_workers=True, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=data_prefix,
                 ann_file=train_list, holdout=dict(keep='rest', **holdout),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=data_prefix,
                 ann_file=train_list, holdout=dict(keep='holdout', **holdout),
                 missing='skip', pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AVCorrespondenceMetric')
# All 5,158 VGG-SS clips (vggss_test.csv), scored as EZ-VSL's test.py scores them:
# heatmap resized with align_corners=True, pixels at or above the median predicted.
test_dataloader = dict(
    batch_size=128, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=data_prefix,
                 ann_file='meta/vggss_test.csv', box_file='meta/vggss.json',
                 box_policy='clip', pipeline=test_pipeline, test_mode=True))
test_evaluator = dict(type='CIoUMetric', protocol='ezvsl')
