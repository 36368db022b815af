# RFS on the images the CDB runs train on (the training set minus CDB's
# held-out split): the starting detector of the RFS -> "-cls" rows and their
# like-for-like baseline. The RFS threshold is that of
# faster-rcnn_lvis-like_rfs.py (LVIS' 1e-3 on ~57k images) scaled to the 670
# images of the CDB training split, as in faster-rcnn_lvis-like_cdb-rfs.py.
_base_ = './faster-rcnn_lvis-like_rfs.py'

rfs_oversample_thr = 57 / 670
train_dataloader = dict(
    dataset=dict(
        oversample_thr=rfs_oversample_thr,
        dataset=dict(ann_file='annotations/lvis_v0.5_train_cdb.json')))
