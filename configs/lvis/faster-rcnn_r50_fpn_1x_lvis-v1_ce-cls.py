# The control of the "-cls" variant (faster-rcnn_r50_fpn_1x_lvis-v1_cdb-cls.py):
# the same stage 2 (load the CE detector trained without the held-out images,
# freeze everything but fc_cls of the box head, retrain it for 12 epochs with
# the same learning rate and sampler) with plain softmax CE instead of
# CDB-W-CE. CDB-cls minus CE-cls is the share of the difficulty weights;
# CE-cls minus its starting detector is the share of the retraining alone.
# Start from another detector with
#   --cfg-options load_from=work_dirs/<its config>/epoch_12.pth
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v1_ce-cdbsplit.py'

load_from = 'work_dirs/faster-rcnn_r50_fpn_1x_lvis-v1_ce-cdbsplit/epoch_12.pth'
# a pretrained detector: no ImageNet backbone initialisation, BN frozen
model = dict(backbone=dict(init_cfg=None, frozen_stages=4, norm_eval=True))
# only fc_cls learns; under DDP the frozen parameters get no gradient
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
custom_hooks = [
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.fc_cls'])
]
