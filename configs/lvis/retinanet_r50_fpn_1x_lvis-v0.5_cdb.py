# RetinaNet R50-FPN 1x on LVIS v0.5 with the CDB class-weighted sigmoid focal
# loss: the CDB weight of class c multiplies the focal loss of that class
# (SPEC section 1). Differs from the baseline by the loss, the hook and the
# training annotation file (held-out split cut with tools/make_lvis_heldout.py).
_base_ = './retinanet_r50_fpn_1x_lvis-v0.5_ce.py'

model = dict(
    bbox_head=dict(
        loss_cls=dict(
            _delete_=True,
            type='CDBSigmoidFocalLoss',
            num_classes=1230,
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0)))

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v0.5_train_cdb.json'))
custom_hooks = [
    dict(
        type='CDBDifficultyHook',
        dataloader={{_base_.heldout_dataloader}},
        metric='bbox',
        interval=1,
        tau='sigmoid')
]
