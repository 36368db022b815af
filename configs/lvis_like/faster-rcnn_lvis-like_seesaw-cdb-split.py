# Seesaw loss (faster-rcnn_lvis-like_seesaw.py) on the images the CDB runs
# train on (the training set minus CDB's held-out split): the starting
# detector of the Seesaw -> "-cls" rows and their like-for-like baseline.
_base_ = './faster-rcnn_lvis-like_seesaw.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/lvis_v0.5_train_cdb.json'))
