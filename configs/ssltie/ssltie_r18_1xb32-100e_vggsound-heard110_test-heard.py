# The open-set setting: SSL-TIE trained on the VGG-Sound clips of 110 "heard"
# classes (vggss_heard.txt, 59,468 ids) and tested on VGG-SS clips of those classes
# (SSL-TIE's list, 2,425 clips). Published: cIoU@0.5 0.390, AUC 0.403.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
train_dataloader = dict(dataset=dict(ann_file='meta/vggss_heard.txt'))
val_dataloader = dict(dataset=dict(ann_file='meta/vggss_heard.txt'))
test_dataloader = dict(dataset=dict(ann_file='meta/ssltie_openset_test_heard_2425.txt'))
