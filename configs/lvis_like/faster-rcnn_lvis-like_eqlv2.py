# Equalization loss v2 (Tan et al., CVPR 2021) with mmdet 3.3's EQLV2Loss and
# its defaults (mu=0.8, alpha=4, gamma=12): sigmoid BCE per class with
# gradient-balanced positive/negative weights, the last output an
# objectness channel. Caveat: mmdet 3.3's EQLV2Loss does not declare
# custom_cls_channels, so the box head scores detections with a softmax over
# the logits instead of EQLv2's sigmoid x (1 - background) (mmdet 3.3 ships no
# config for it). Only the classification loss differs from CE.
_base_ = './faster-rcnn_lvis-like_base.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='EQLV2Loss',
                num_classes={{_base_.num_classes}}))))
