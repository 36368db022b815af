# Seesaw loss on the RFS-resampled training set: mmdet's own LVIS recipe for
# Seesaw (configs/seesaw_loss/*sample1e-3*: ClassBalancedDataset with
# threshold 1e-3), the anchor a detection reader compares a new method with.
# The loss is that of faster-rcnn_lvis-like_seesaw.py, the sampling that of
# faster-rcnn_lvis-like_rfs.py.
_base_ = './faster-rcnn_lvis-like_seesaw.py'

rfs_oversample_thr = 57 / 874
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=rfs_oversample_thr,
        dataset={{_base_.train_dataloader.dataset}}))
