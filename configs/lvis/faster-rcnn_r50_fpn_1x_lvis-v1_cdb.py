# Faster R-CNN R50-FPN 1x on LVIS v1 with CDB-W-CE and the sigmoid tau.
# Differs from the v1 CE baseline by the loss, the difficulty hook, and the
# training annotation file: the held-out split the hook measures AP on is cut
# out of the LVIS v1 training set beforehand with
#   python tools/make_lvis_heldout.py data/lvis_v1/annotations/lvis_v1_train.json \
#       --out-train data/lvis_v1/annotations/lvis_v1_train_cdb.json \
#       --out-heldout data/lvis_v1/annotations/lvis_v1_heldout.json \
#       --images-per-category 10 --seed 0 --max-heldout-fraction 0.5
_base_ = './faster-rcnn_r50_fpn_1x_lvis-v1_ce.py'

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
