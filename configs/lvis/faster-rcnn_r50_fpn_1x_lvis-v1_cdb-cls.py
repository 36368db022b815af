# The "-cls" decoupled variant of the CDB paper (Table 5) on LVIS v1: load a
# trained detector, freeze every parameter but the final classification
# layer (fc_cls of the box head) and retrain that layer with CDB-W-CE for 12
# epochs. The default start is the v1 CE baseline trained without the
# held-out images (faster-rcnn_r50_fpn_1x_lvis-v1_ce-cdbsplit.py): the hook
# measures difficulty on those images, so the detector must not have seen
# them. The loaded detector is already trained, so the hook measures once
# before the first epoch (measure_before_train). Start from another detector
# with
#   --cfg-options load_from=work_dirs/<its config>/epoch_12.pth
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v1_cdb.py'

load_from = 'work_dirs/faster-rcnn_r50_fpn_1x_lvis-v1_ce-cdbsplit/epoch_12.pth'
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
