# Seesaw loss (Wang et al., CVPR 2021) as mmdet 3.3 configures it for LVIS
# (configs/seesaw_loss/mask-rcnn_r50_fpn_seesaw-loss_random-ms-2x_lvis-v1.py):
# SeesawLoss with p=0.8, q=2.0 and a normalised linear classifier
# (NormedLinear, temperature 20; mmdet spells the argument "tempearture").
# Only the classification loss and layer differ from CE.
_base_ = './faster-rcnn_lvis-like_base.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            cls_predictor_cfg=dict(type='NormedLinear', tempearture=20),
            loss_cls=dict(
                _delete_=True,
                type='SeesawLoss',
                p=0.8,
                q=2.0,
                num_classes={{_base_.num_classes}},
                loss_weight=1.0))))
