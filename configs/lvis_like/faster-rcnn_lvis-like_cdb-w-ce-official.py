# CDB-W-CE with the tau of the authors' code ('official_sigmoid', at most 1)
# instead of the paper's sigmoid tau (at most T_M = 5). Only the tau differs
# from faster-rcnn_lvis-like_cdb-w-ce.py.
_base_ = './faster-rcnn_lvis-like_cdb-w-ce.py'

custom_hooks = [
    dict(
        type='CDBDifficultyHook',
        dataloader={{_base_.heldout_dataloader}},
        metric='bbox',
        interval=1,
        tau='official_sigmoid')
]
