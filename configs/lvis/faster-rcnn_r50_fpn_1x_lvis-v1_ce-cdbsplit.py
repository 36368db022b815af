# The LVIS v1 CE baseline trained on the same images as the v1 CDB configs:
# the v1 training set minus the held-out split that tools/make_lvis_heldout.py
# cuts out of it. For a like-for-like CE vs CDB comparison, and the detector
# the "-cls" variant starts from.
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v1_ce.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v1_train_cdb.json'))
