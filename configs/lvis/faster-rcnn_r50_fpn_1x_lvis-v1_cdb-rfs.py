# CDB-W-CE on LVIS v1 combined with repeat factor sampling (RFS, Gupta et al.
# 2019, threshold 1e-3, mmdet's default sampling for LVIS v1) through
# mmengine's ClassBalancedDataset: RFS decides how often an image is seen,
# CDB how much each class's loss counts.
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v1_cdb.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=1e-3,
        dataset={{_base_.train_dataloader.dataset}}))
