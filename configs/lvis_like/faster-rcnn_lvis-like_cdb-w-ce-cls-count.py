# CDB-W-CE-cls with count-aware difficulty (count_shrinkage=5; see
# faster-rcnn_lvis-like_cdb-w-ce-count.py): only that option differs from
# faster-rcnn_lvis-like_cdb-w-ce-cls.py.
_base_ = './faster-rcnn_lvis-like_cdb-w-ce-cls.py'

custom_hooks = [_base_.custom_hooks[0],
                dict(_base_.custom_hooks[1], count_shrinkage=5)]
