# VGG-SS under SLAVC's extended protocol (Mo & Morgado, NeurIPS 2022): every test
# frame is also paired with another clip's audio (the model's other-audio control)
# and the evaluator reports AP, max-F1 and precision at ciou 0.5 and 0.75, and
# cIoU@0.5 by object size, on top of the usual cIoU and AUC (visible pairs only).
# SLAVC's own lists with explicit non-sounding rows (vggss_plus_silent.csv, header
# video,audio,label) work as ann_file too.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k_test-vggss5158-ezvsl.py']
test_evaluator = dict(type='CIoUMetric', protocol='ezvsl', extended=True)
