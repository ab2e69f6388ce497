# The open-set setting, tested on VGG-SS clips of the other 110 "unheard" classes
# (SSL-TIE's list, 2,463 clips), which training never saw.
# Published: cIoU@0.5 0.365, AUC 0.386. Train once with the -heard config and test
# its checkpoint with this one.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound-heard110_test-heard.py']
test_dataloader = dict(dataset=dict(ann_file='meta/ssltie_openset_test_unheard_2463.txt'))
