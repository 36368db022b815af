# The "-cls" decoupled variant on LVIS v1 with Mask R-CNN: load the trained
# v1 Mask R-CNN CE detector that never saw the held-out images
# (mask-rcnn_r50_fpn_1x_lvis-v1_ce-cdbsplit.py), freeze everything but fc_cls
# of the box head (the mask head stays as trained) and retrain it with
# CDB-W-CE for 12 epochs; the hook measures once before the first epoch.
# Start from another detector with
#   --cfg-options load_from=work_dirs/<its config>/epoch_12.pth
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v1_cdb.py'

load_from = 'work_dirs/mask-rcnn_r50_fpn_1x_lvis-v1_ce-cdbsplit/epoch_12.pth'
# a pretrained detector: no ImageNet backbone initialisation, BN frozen
model = dict(backbone=dict(init_cfg=None, frozen_stages=4, norm_eval=True))
# only fc_cls learns; under DDP the frozen parameters get no gradient
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
custom_hooks = [
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.fc_cls']),
    dict(
        type='CDBDifficultyHook',
        dataloader={{_base_.heldout_dataloader}},
        metric='bbox',
        interval=1,
        tau='sigmoid',
        measure_before_train=True)
]
