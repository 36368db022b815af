# Cascade R-CNN R50-FPN 1x on LVIS v0.5 with CDB-W-CE in all three box heads
# and the sigmoid tau. Differs from the CE config by the heads' loss_cls, the
# difficulty hook (it pushes the same weights into every CDB loss of the
# model) and the training annotation file (the held-out split is cut out of
# it with tools/make_lvis_heldout.py, see the Faster R-CNN CDB config).
_base_ = './cascade-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'

model = dict(
    roi_head=dict(bbox_head=[
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
            loss_cls=dict(type='CDBCrossEntropyLoss', num_classes=1230),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
        for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                     [0.033, 0.033, 0.067, 0.067])
    ]))

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
