# The LVIS v1 Mask R-CNN CE baseline trained on the CDB training split (the
# v1 training set minus the held-out images), for a like-for-like comparison
# and as the start of the "-cls" variant.
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v1_ce.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v1_train_cdb.json'))
