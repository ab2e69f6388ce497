# SSL-TIE trained on Flickr-SoundNet 10k, tested on the Flickr-SoundNet test set.
# Published: cIoU@0.5 0.755, AUC 0.588.
_base_ = ['./ssltie_r18_1xb32-100e_flickr144k.py']
train_dataloader = dict(dataset=dict(ann_file='meta/flickr_10k.txt'))
val_dataloader = dict(dataset=dict(ann_file='meta/flickr_10k.txt'))
