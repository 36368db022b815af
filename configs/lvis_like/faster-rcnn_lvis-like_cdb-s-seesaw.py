# CDB-S (faster-rcnn_lvis-like_cdb-s-rfs-x-difficulty.py: the difficulty-
# driven repeat factor sampler in the form chosen on the development data,
# RFS x difficulty, and the difficulty hook, on the CDB training split) with
# Seesaw
# loss as faster-rcnn_lvis-like_seesaw.py sets it up (SeesawLoss p=0.8,
# q=2.0, NormedLinear with temperature 20). Its pair is Seesaw on RFS on the
# same images, faster-rcnn_lvis-like_seesaw-rfs-cdb-split.py.
_base_ = './faster-rcnn_lvis-like_cdb-s-rfs-x-difficulty.py'

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
