# SSL-TIE trained on the VGG-Sound 10k list SSL-TIE's scripts read
# (scripts/train_VGGSound10k.sh: train_vggss_train_10k.txt, a subset of its 144k
# list; only 468 of its ids are in EZ-VSL's vggss_10k.txt), tested on VGG-SS;
# otherwise as the 144k config. The paper publishes no number for this setting.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
train_dataloader = dict(dataset=dict(ann_file='meta/ssltie_train_vggss_10k.txt'))
val_dataloader = dict(dataset=dict(ann_file='meta/ssltie_train_vggss_10k.txt'))
