# Cross-modal retrieval restricted to the 110-class subset: the VGG-SS clips of the
# 110 "heard" classes (SSL-TIE's open-set heard list, 2,425 clips).
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k_retrieval-vggss.py']
test_dataloader = dict(dataset=dict(ann_file='meta/ssltie_openset_test_heard_2425.txt'))
