# ssltie_r18_1xb32-100e_vggsound-heard110_test-heard.py with the public SSL-TIE
# code's checkpoint selection: validation on the test list every epoch, in batches
# of 32 with drop_last=True (2,400 of the 2,425 heard-class VGG-SS clips scored),
# keeping the epoch with the best cIoU@0.5. The test set then steers the choice of
# checkpoint, so every score of this run is labelled "checkpoint selected on the
# test set" (avloc/engine/checkpoint_selection.py); none is a held-out score, and
# none goes into a metafile's measured Results.
_base_ = ['./ssltie_r18_1xb32-100e_vggsound-heard110_test-heard.py']
select_on_test = True
