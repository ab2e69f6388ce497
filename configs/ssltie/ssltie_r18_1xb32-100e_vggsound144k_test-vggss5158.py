# SSL-TIE trained on VGG-Sound 144k, tested on all 5,158 VGG-SS clips (the list LVS
# and EZ-VSL score) instead of SSL-TIE's 4,911, under the LVS / SSL-TIE protocol.
# Two of the 5,158 clips have boxes that clip to nothing; they are listed but not
# scored (the log says so).
_base_ = ['./ssltie_r18_1xb32-100e_vggsound144k.py']
test_dataloader = dict(dataset=dict(ann_file='meta/vggss_test.csv'))
