# Faster R-CNN R50-FPN 1x on LVIS v0.5 with plain softmax cross-entropy: the
# CE baseline with the schedule of the CDB paper (Sinha et al., section
# 4.2.2): 12 epochs, SGD lr 0.01 momentum 0.9 weight decay 1e-4, steps at
# epochs 8 and 11, linear warm-up, gradient clipping. It starts from an
# ImageNet ResNet-50 (mmdet's default), not as the paper's Table 5 rows do:
# those fine-tune a detector trained on COCO; that protocol is
# faster-rcnn_r50_fpn_1x_lvis-v0.5_ce_coco-init.py. Data in data/lvis_v0.5/
# with the standard file names (annotations/lvis_v0.5_{train,val}.json,
# train2017/, val2017/).
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/lvis-v0.5_1x.py',
]
model = dict(
    roi_head=dict(bbox_head=dict(num_classes=1230)),
    test_cfg=dict(
        rcnn=dict(
            score_thr=0.0001,
            # LVIS allows up to 300 detections per image
            max_per_img=300)))

