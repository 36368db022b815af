# CDB-W-CE on top of repeat factor sampling: RFS decides how often an image
# is seen, CDB how much each class's loss counts. The RFS threshold is that
# of faster-rcnn_lvis-like_rfs.py (LVIS' 1e-3 on ~57k images) scaled to the
# 670 images of the CDB training split.
_base_ = './faster-rcnn_lvis-like_cdb-w-ce.py'

rfs_oversample_thr = 57 / 670
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=rfs_oversample_thr,
        dataset={{_base_.train_dataloader.dataset}}))
