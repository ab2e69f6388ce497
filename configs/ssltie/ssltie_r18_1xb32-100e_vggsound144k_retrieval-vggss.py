# The paper's cross-modal retrieval over all VGG-SS classes: every one of the 5,158
# VGG-SS clips (221 classes, from vggss.json) queries the others' images with its
# audio and their audio with its image; the clip's own pair is left out. Published
# A@5 / A@10 / P@1 / P@5: 31.67 / 35.81 / 40.91 / 19.52 (the paper does not say which
# direction).
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k_test-vggss5158.py']
test_evaluator = dict(type='RetrievalMetric', directions=('a2i', 'i2a', 'a2a'),
                      ks=(1, 5, 10))
