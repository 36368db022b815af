# Seesaw on RFS (faster-rcnn_lvis-like_seesaw-rfs.py) on the images the CDB
# runs train on: the paired baseline of CDB-S with Seesaw loss. The RFS
# threshold is scaled to the 670 images of the CDB split.
_base_ = './faster-rcnn_lvis-like_seesaw-rfs.py'

rfs_oversample_thr = 57 / 670
train_dataloader = dict(
    dataset=dict(
        oversample_thr=rfs_oversample_thr,
        dataset=dict(ann_file='annotations/lvis_v0.5_train_cdb.json')))
