# Faster R-CNN R50-FPN 1x on LVIS v1 with plain softmax cross-entropy: the
# LVIS v1 twin of faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py (same schedule,
# pipeline, sampling and ImageNet ResNet-50 start; 1203 classes, data in
# data/lvis_v1/, see ../_base_/lvis-v1_1x.py).
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/lvis-v1_1x.py',
]
model = dict(
    roi_head=dict(bbox_head=dict(num_classes=1203)),
    test_cfg=dict(
        rcnn=dict(
            score_thr=0.0001,
            # LVIS allows up to 300 detections per image
            max_per_img=300)))
