# RetinaNet R50-FPN 1x on LVIS v0.5 with mmdet's sigmoid focal loss: the
# baseline for the class-weighted focal CDB config of the same name.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/lvis-v0.5_1x.py',
]
model = dict(
    bbox_head=dict(num_classes=1230),
    # LVIS allows up to 300 detections per image
    test_cfg=dict(score_thr=0.0001, max_per_img=300))
