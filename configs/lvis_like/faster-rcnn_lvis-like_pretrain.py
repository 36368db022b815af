# Pretraining on the balanced LVIS-like set (every category in the same
# number of images), standing in for the COCO detector the CDB paper
# fine-tunes on LVIS. Same detector and schedule as the fine-tuning runs,
# from scratch (no checkpoint can be downloaded).
_base_ = './faster-rcnn_lvis-like_base.py'

load_from = None
train_dataloader = dict(
    dataset=dict(
        ann_file='annotations/balanced_pretrain.json',
        data_prefix=dict(img='pretrain2017/')))
