# The CE baseline on the images the CDB runs train on: the training set minus
# CDB's held-out split. The like-for-like comparison for CDB, and the
# detector the "-cls" variant starts from (it never saw the held-out images).
_base_ = './faster-rcnn_lvis-like_base.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v0.5_train_cdb.json'))
