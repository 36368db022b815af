# faster-rcnn_lvis-like_rfs_cdb-w-ce-cls.py with RFS in stage 2 too: the
# classifier is retrained on the RFS-resampled CDB split (threshold of
# faster-rcnn_lvis-like_rfs-cdb-split.py) instead of sampling uniformly.
_base_ = './faster-rcnn_lvis-like_rfs_cdb-w-ce-cls.py'

rfs_oversample_thr = 57 / 670
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=rfs_oversample_thr,
        dataset={{_base_.train_dataloader.dataset}}))
