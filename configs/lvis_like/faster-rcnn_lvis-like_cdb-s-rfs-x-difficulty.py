# CDB-S for detection with the second form of repeat factor,
# 'rfs_x_difficulty': r_c = max(1, r_c^RFS * w_c), RFS's factor scaled by the
# CDB weight (unmeasured categories keep RFS's factor). Only the form differs
# from faster-rcnn_lvis-like_cdb-s.py; the two are compared on the
# development data (docs/lvis_like_benchmark.md).
_base_ = './faster-rcnn_lvis-like_cdb-s.py'

cdb_s_form = 'rfs_x_difficulty'
train_dataloader = dict(sampler=dict(form=cdb_s_form))
