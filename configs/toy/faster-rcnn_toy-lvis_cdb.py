# Toy Faster R-CNN with CDB-W-CE and the sigmoid tau. Differs from the toy CE
# config by the loss, the difficulty hook, and the training annotation file:
# the held-out split is cut from the toy training set with
#   python tools/make_lvis_heldout.py data/toy_lvis/annotations/lvis_v0.5_train.json \
#       --out-train data/toy_lvis/annotations/lvis_v0.5_train_cdb.json \
#       --out-heldout data/toy_lvis/annotations/lvis_v0.5_heldout.json \
#       --images-per-category 10 --seed 0 --max-heldout-fraction 0.5
_base_ = './faster-rcnn_toy-lvis_ce.py'

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
