# SSL-TIE trained on the VGG-Sound 10k list, tested on VGG-SS; otherwise as the 144k
# config.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
train_dataloader = dict(dataset=dict(ann_file='meta/vggss_10k.txt'))
val_dataloader = dict(dataset=dict(ann_file='meta/vggss_10k.txt'))
