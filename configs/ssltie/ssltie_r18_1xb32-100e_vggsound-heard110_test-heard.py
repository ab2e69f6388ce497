# The open-set setting: SSL-TIE trained on the VGG-Sound clips of 110 "heard"
# classes and tested on VGG-SS clips of those classes (SSL-TIE's list, 2,425 clips).
# Published: cIoU@0.5 0.390, AUC 0.403.
# The training list is SSL-TIE's own (metadata/openset/openset_train_110_70k.txt,
# 70,000 ids; opts.py has an --openset_70k flag, though no public loader reads it),
# not EZ-VSL's vggss_heard.txt (59,468 ids, 25,553 shared). Note that it holds 2,299
# of the 2,425 heard test clips: training sees their frames and audio (not their
# boxes). vggss_heard.txt holds none of them.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
train_dataloader = dict(dataset=dict(ann_file='meta/ssltie_openset_train_heard_70k.txt'))
val_dataloader = dict(dataset=dict(ann_file='meta/ssltie_openset_train_heard_70k.txt'))
test_dataloader = dict(dataset=dict(ann_file='meta/ssltie_openset_test_heard_2425.txt'))
