# Retrieval on the embedded benchmark: the main job's model, its 500 test clips as
# queries and gallery, classes known by construction (the sounding shape). Audio ->
# audio with the query left out, and audio <-> image across modalities.
#   python tools/test.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes_retrieval.py \
#       work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth
_base_ = ['./ssltie_r18_1xb16-1e_avshapes.py']
test_evaluator = dict(type='RetrievalMetric', directions=('a2a', 'a2i', 'i2a'),
                      ks=(1, 5, 10))
