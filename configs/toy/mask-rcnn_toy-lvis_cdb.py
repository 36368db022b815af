# Toy Mask R-CNN with CDB-W-CE and the sigmoid tau; differs from the toy CE
# config by the loss, the difficulty hook and the training annotation file
# (see faster-rcnn_toy-lvis_cdb.py for the held-out split).
_base_ = './mask-rcnn_toy-lvis_ce.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True, type='CDBCrossEntropyLoss', num_classes=20))))

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
