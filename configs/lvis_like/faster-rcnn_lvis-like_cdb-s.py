# CDB-S for detection: difficulty-driven repeat factor sampling
# (lt_plugins.det.DifficultyRepeatFactorSampler, CDB paper sec. 3.2.2 as
# repeat factors) with plain CE. The difficulty hook measures per-category AP
# on the held-out split after every epoch and pushes the weights into the
# sampler, which draws the next epoch's images from them. Differs from
# faster-rcnn_lvis-like_ce-cdb-split.py (same training images) only by the
# sampler and the hook.
# cdb_s_form: 'difficulty' (r_c = max(1, w_c), this config) or
# 'rfs_x_difficulty' (r_c = max(1, r_c^RFS * w_c),
# faster-rcnn_lvis-like_cdb-s-rfs-x-difficulty.py, the form the development
# data chose: docs/lvis_like_benchmark.md). The RFS threshold (used by
# 'rfs_x_difficulty' only) is that of faster-rcnn_lvis-like_rfs.py (LVIS'
# 1e-3 on ~57k images) scaled to the 670 images of the CDB training split.
_base_ = './faster-rcnn_lvis-like_ce-cdb-split.py'

cdb_s_form = 'difficulty'
rfs_oversample_thr = 57 / 670
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='DifficultyRepeatFactorSampler',
        form=cdb_s_form,
        oversample_thr=rfs_oversample_thr))

custom_hooks = [
    dict(
        type='CDBDifficultyHook',
        dataloader={{_base_.heldout_dataloader}},
        metric='bbox',
        interval=1,
        tau='sigmoid')
]
