# SSL-TIE trained on Flickr-SoundNet 10k, tested on the Flickr-SoundNet test set.
# Published: cIoU@0.5 0.755, AUC 0.588. The training list is the one SSL-TIE's
# scripts read (scripts/train_Flickr10k.sh: train_flickr_10k.txt, lines
# videos/<a>/<b>/<c>/<id>.mp4 read as the clip <id>); only 54 of its 10,000 ids are
# in EZ-VSL's flickr_10k.txt. The public recipe for this setting is main.py, without
# audio mixing.
_base_ = ['./ssltie_r18_1xb32-100e_flickr144k.py']
train_dataloader = dict(dataset=dict(ann_file='meta/ssltie_train_flickr_10k.txt'))
val_dataloader = dict(dataset=dict(ann_file='meta/ssltie_train_flickr_10k.txt'))
