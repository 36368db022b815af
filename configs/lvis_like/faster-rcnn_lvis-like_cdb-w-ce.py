# CDB-W-CE with the sigmoid tau (CDB paper eq. 10, its default): the loss,
# the difficulty hook measuring per-category AP on the held-out split after
# every epoch, and training on the training set minus that split.
_base_ = './faster-rcnn_lvis-like_base.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='CDBCrossEntropyLoss',
                num_classes={{_base_.num_classes}}))))

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
