# The Mask R-CNN CE baseline as the CDB paper trains it (Table 6, same
# protocol as Table 5: fine-tuned from a COCO-trained model): the Mask R-CNN
# R50-FPN 1x CE config, initialised from mmdet's COCO model-zoo checkpoint of
# the same detector (box AP 38.2, mask AP 34.7 on COCO;
# configs/mask_rcnn/metafile.yml of mmdet 3.3).
#
# What loads: backbone, FPN, RPN head, the box head's shared fully connected
# layers and the mask head's convolutions and upsampling. The class-specific
# layers (fc_cls 81 -> 1231 outputs, fc_reg 320 -> 4920, the mask head's
# conv_logits 80 -> 1230) are skipped by mmengine's strict=False loading with
# a "size mismatch for ..." warning and keep their fresh initialisation.
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'

load_from = 'https://download.openmmlab.com/mmdetection/v2.0/mask_rcnn/mask_rcnn_r50_fpn_1x_coco/mask_rcnn_r50_fpn_1x_coco_20200205-d4b0c5d6.pth'  # noqa: E501
model = dict(backbone=dict(init_cfg=None))
