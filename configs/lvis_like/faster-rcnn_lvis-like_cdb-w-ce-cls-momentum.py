# CDB-W-CE-cls with one robust option of the difficulty hook switched on
# (difficulty_momentum=0.5): only that option differs from
# faster-rcnn_lvis-like_cdb-w-ce-cls.py.
_base_ = './faster-rcnn_lvis-like_cdb-w-ce-cls.py'

custom_hooks = [_base_.custom_hooks[0], dict(_base_.custom_hooks[1], difficulty_momentum=0.5)]
