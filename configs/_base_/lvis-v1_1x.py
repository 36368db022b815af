# LVIS v1 data for the lt_plugins LVIS detector configs: everything else (1x
# schedule, SGD, gradient clipping, runtime, pipelines, plain instance
# sampling) is the LVIS v0.5 setting this file inherits, so a v1 config and
# its v0.5 twin differ only by the data and the number of classes (1203).
# Data in data/lvis_v1/ with the standard names:
#   annotations/lvis_v1_train.json, annotations/lvis_v1_val.json
#   train2017/, val2017/  (the COCO 2017 images)
# An LVIS v1 image record has no file_name; mmdet's LVISV1Dataset takes the
# path from its coco_url (train2017/... or val2017/...; LVIS v1 val also
# uses COCO train2017 images), hence the empty image prefix.
_base_ = './lvis-v0.5_1x.py'

data_root = 'data/lvis_v1/'
dataset_type = 'LVISV1Dataset'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lvis_v1_val.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/lvis_v1_val.json')
test_evaluator = val_evaluator

# Held-out split for CDB's difficulty measurement, cut from the v1 training
# set with tools/make_lvis_heldout.py (only used by the CDB configs).
heldout_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lvis_v1_heldout.json',
        data_prefix=dict(img='')))
