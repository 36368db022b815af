# Faster R-CNN fine-tuned on the LVIS-like data (tools/make_lvis_like.py,
# data/lvis_like/; docs/lvis_like_benchmark.md) with plain softmax CE: the
# base every LVIS-like method config inherits; a method config changes only
# the method.
# - detector: the toy-scale Faster R-CNN of configs/toy/faster-rcnn_toy-lvis_ce.py
#   (ResNet-18 at a quarter width, 160 px images), 100 classes;
# - protocol of the CDB paper: start from a detector pretrained on a balanced
#   set (faster-rcnn_lvis-like_pretrain.py stands in for COCO) whose class-
#   specific layers (fc_cls, fc_reg of the box head) are dropped, because the
#   paper's COCO detector has a different class set: they are re-initialised.
#   tools/run_lvis_like_benchmark.py writes that checkpoint;
# - schedule: a scaled-down 1x, 12 epochs with the lr divided by 10 at 2/3
#   and 11/12 of them (epochs 8 and 11), as the 1x schedule of the paper;
# - no validation during training: tools/test.py evaluates the final
#   checkpoint on the validation set with LVISPerCategoryMetric (AP, APr,
#   APc, APf and the AP of every category).
_base_ = '../toy/faster-rcnn_toy-lvis_ce.py'

data_root = 'data/lvis_like/'
num_classes = 100
# the generator names categories cat_0000, cat_0001, ... in id order
classes = tuple(f'cat_{i:04d}' for i in range(num_classes))
metainfo = dict(classes=classes)
max_epochs = 12

load_from = 'work_dirs/lvis_like_bench/pretrain/pretrained_no_cls.pth'

model = dict(roi_head=dict(bbox_head=dict(num_classes=num_classes)))

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/lvis_v0.5_train.json',
        data_prefix=dict(img='train2017/')))
test_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/lvis_v0.5_val.json',
        data_prefix=dict(img='val2017/')))
test_evaluator = dict(
    _delete_=True,
    type='LVISPerCategoryMetric',
    ann_file=data_root + 'annotations/lvis_v0.5_val.json',
    metric='bbox')
val_dataloader = None
val_evaluator = None
val_cfg = None
# CDB's held-out split (tools/make_lvis_like.py writes it; only the CDB
# configs use it)
heldout_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/lvis_v0.5_heldout.json',
        data_prefix=dict(img='train2017/')))

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=200),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[8, 11], gamma=0.1)
]
