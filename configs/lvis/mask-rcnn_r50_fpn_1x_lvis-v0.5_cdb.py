# Mask R-CNN R50-FPN 1x on LVIS v0.5 with CDB-W-CE and the sigmoid tau (the
# method of the CDB paper's Table 6), from an ImageNet ResNet-50 (the paper's
# COCO-initialised protocol: mask-rcnn_r50_fpn_1x_lvis-v0.5_cdb_coco-init.py).
# Differs from the CE baseline by the loss, the difficulty hook and the
# training annotation file (see the Faster R-CNN CDB config for how to cut
# the held-out split). Difficulty comes from bbox AP; set metric='segm' in
# the hook to use mask AP.
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True, type='CDBCrossEntropyLoss',
                num_classes=1230))))

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
