# The LVIS v0.5 Mask R-CNN CE baseline trained on the CDB training split (the
# v0.5 training set minus the held-out images that tools/make_lvis_heldout.py
# cuts out of it), for a like-for-like comparison with the CDB and CDB-S
# Mask R-CNN configs.
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v0.5_train_cdb.json'))
