# CDB-W-CE for Mask R-CNN as the CDB paper trains it (Table 6): the Mask
# R-CNN R50-FPN 1x CDB config, initialised from mmdet's COCO Mask R-CNN
# R50-FPN 1x checkpoint. Differs from
# mask-rcnn_r50_fpn_1x_lvis-v0.5_ce_coco-init.py by the loss, the difficulty
# hook and the training annotation file; what is and is not loaded from the
# checkpoint: see that config.
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py'

load_from = 'https://download.openmmlab.com/mmdetection/v2.0/mask_rcnn/mask_rcnn_r50_fpn_1x_coco/mask_rcnn_r50_fpn_1x_coco_20200205-d4b0c5d6.pth'  # noqa: E501
model = dict(backbone=dict(init_cfg=None))
