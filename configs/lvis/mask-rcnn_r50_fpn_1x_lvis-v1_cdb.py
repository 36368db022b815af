# Mask R-CNN R50-FPN 1x on LVIS v1 with CDB-W-CE and the sigmoid tau.
# Differs from the v1 CE baseline by the loss, the difficulty hook and the
# training annotation file (see faster-rcnn_r50_fpn_1x_lvis-v1_cdb.py for
# how to cut the held-out split). Difficulty comes from bbox AP; set
# metric='segm' in the hook to use mask AP.
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v1_ce.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True, type='CDBCrossEntropyLoss',
                num_classes=1203))))

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v1_train_cdb.json'))

custom_hooks = [
    dict(
        type='CDBDifficultyHook',
        dataloader={{_base_.heldout_dataloader}},
        metric='bbox',
        interval=1,
        tau='sigmoid')
]
