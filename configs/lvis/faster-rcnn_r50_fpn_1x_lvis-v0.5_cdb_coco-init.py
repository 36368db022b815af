# CDB-W-CE as the CDB paper trains it (Table 5): the Faster R-CNN R50-FPN 1x
# CDB config, initialised from mmdet's COCO Faster R-CNN R50-FPN 1x
# checkpoint. Differs from faster-rcnn_r50_fpn_1x_lvis-v0.5_ce_coco-init.py
# by the loss, the difficulty hook and the training annotation file (see
# faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py for the held-out split). What is
# and is not loaded from the COCO checkpoint: see the CE config; the CDB
# loss's class_weight buffer is not in it either, and the hook sets it.
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py'

load_from = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r50_fpn_1x_coco/faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth'  # noqa: E501
model = dict(backbone=dict(init_cfg=None))
