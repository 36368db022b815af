# The CE baseline trained on the same images as the CDB configs: the LVIS
# training set minus the held-out split that tools/make_lvis_heldout.py cuts
# out of it. Use it for a like-for-like CE vs CDB comparison, and as the
# detector the "-cls" variant starts from (its difficulty hook measures AP on
# the held-out images, which that detector must not have trained on).
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v0.5_train_cdb.json'))
