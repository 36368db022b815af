# Cascade R-CNN R50-FPN 1x on LVIS v0.5 with plain softmax cross-entropy in
# each of its three box heads; data, schedule and runtime as the Faster R-CNN
# CE baseline (configs/_base_/lvis-v0.5_1x.py).
_base_ = [
    'mmdet::_base_/models/cascade-rcnn_r50_fpn.py',
    '../_base_/lvis-v0.5_1x.py',
]
model = dict(
    roi_head=dict(bbox_head=[
        # mmdet's three cascade stages, with 1230 classes
        dict(
            type='Shared2FCBBoxHead',
            in_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            num_classes=1230,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=stds),
            reg_class_agnostic=True,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
        for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                     [0.033, 0.033, 0.067, 0.067])
    ]),
    test_cfg=dict(
        rcnn=dict(
            score_thr=0.0001,
            # LVIS allows up to 300 detections per image
            max_per_img=300)))
