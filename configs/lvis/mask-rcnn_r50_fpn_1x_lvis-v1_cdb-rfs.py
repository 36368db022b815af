# Mask R-CNN CDB-W-CE on LVIS v1 combined with repeat factor sampling (RFS,
# threshold 1e-3, mmdet's default sampling for LVIS v1) through mmengine's
# ClassBalancedDataset.
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v1_cdb.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=1e-3,
        dataset={{_base_.train_dataloader.dataset}}))
