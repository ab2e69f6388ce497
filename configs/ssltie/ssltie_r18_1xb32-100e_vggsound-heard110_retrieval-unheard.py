# The paper's audio retrieval on novel classes: the model trained on the 110 heard
# VGG-Sound classes embeds the VGG-SS clips of the 110 unheard classes (SSL-TIE's
# open-set list, 2,463 clips, classes from vggss.json); each clip's audio queries
# the others' (itself left out). Published A@5 / A@10 / P@1 / P@5: 41.15 / 44.19 /
# 60.19 / 27.55 (random 20.10 / 28.06 / 13.88 / 6.06).
_base_ = ['./ssltie_r18_1xb32-100e_vggsound-heard110_test-unheard.py']
test_evaluator = dict(type='RetrievalMetric', directions=('a2a',), ks=(1, 5, 10))
