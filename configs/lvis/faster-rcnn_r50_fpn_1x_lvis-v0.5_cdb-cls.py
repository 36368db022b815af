# The "-cls" decoupled variant of the CDB paper (Table 5): load a trained
# LVIS detector, freeze every parameter but the final classification layer
# (fc_cls of the box head) and retrain that layer with CDB-W-CE for 12
# epochs. The default start is the CE baseline trained without the held-out
# images (faster-rcnn_r50_fpn_1x_lvis-v0.5_ce-cdbsplit.py, ImageNet
# initialised; the paper's detectors were fine-tuned from COCO): the hook
# measures difficulty on those images, so the detector must not have seen
# them. The detector is already trained, so the hook measures once before
# the first epoch (measure_before_train) and epoch 1 already trains with
# difficulty weights. Start from another detector with
#   --cfg-options load_from=work_dirs/<its config>/epoch_12.pth
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py'

load_from = 'work_dirs/faster-rcnn_r50_fpn_1x_lvis-v0.5_ce-cdbsplit/epoch_12.pth'
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
