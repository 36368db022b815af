# CDB-W-CE with count-aware difficulty (count_shrinkage=5,
# docs/detection.md): each category's held-out AP is shrunk towards its
# frequency group's mean by 5 / (n_c + 5), n_c its held-out annotations,
# before the difficulty is computed. k = 5 is fixed before any run (a rare
# category's held-out split holds up to 5 of its images). Only that option
# differs from faster-rcnn_lvis-like_cdb-w-ce.py.
_base_ = './faster-rcnn_lvis-like_cdb-w-ce.py'

custom_hooks = [dict(_base_.custom_hooks[0], count_shrinkage=5)]
