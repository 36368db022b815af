# The CE baseline as the CDB paper trains it (Table 5: "start from a model
# pretrained on MS-COCO and finetune it on LVIS", as Li et al., 2020): the
# Faster R-CNN R50-FPN 1x CE config, initialised from mmdet's COCO model-zoo
# checkpoint of the same detector (box AP 37.4 on COCO;
# configs/faster_rcnn/metafile.yml of mmdet 3.3) instead of an ImageNet
# ResNet-50. Same data, schedule and 1x length as the other LVIS configs; it
# trains on the full LVIS training set, as the paper's baseline. For a
# like-for-like comparison with the CDB variant (which trains without the
# held-out images) add
#   --cfg-options train_dataloader.dataset.ann_file=annotations/lvis_v0.5_train_cdb.json
#
# What loads: the backbone, the FPN, the RPN head and the box head's shared
# fully connected layers. What does not: the class-specific layers, whose
# shapes depend on the number of classes (fc_cls 81 -> 1231 outputs, fc_reg
# 320 -> 4920). mmengine loads load_from with strict=False: each such layer
# is skipped with a "size mismatch for ..." warning in the log and keeps its
# fresh initialisation (the head's init_cfg: normal std 0.01 for fc_cls,
# 0.001 for fc_reg), i.e. the 1230-class head is learnt from scratch.
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'

load_from = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r50_fpn_1x_coco/faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth'  # noqa: E501
# every backbone weight comes from the checkpoint: no ImageNet download
model = dict(backbone=dict(init_cfg=None))
