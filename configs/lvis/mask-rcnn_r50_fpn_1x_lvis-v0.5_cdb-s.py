# Mask R-CNN R50-FPN 1x on LVIS v0.5 with CDB-S for detection:
# difficulty-driven repeat factor sampling (lt_plugins.det.
# DifficultyRepeatFactorSampler, the CDB paper's sampler, sec. 3.2.2, as
# repeat factors) and plain CE. The difficulty hook measures per-category box
# AP on the held-out split after every epoch and pushes the weights into the
# sampler. Differs from mask-rcnn_r50_fpn_1x_lvis-v0.5_ce-cdbsplit.py (same
# training images; the held-out split is cut as for
# mask-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py) only by the sampler and the hook.
# cdb_s_form: 'rfs_x_difficulty' (r_c = max(1, r_c^RFS * w_c), RFS with
# LVIS' threshold 1e-3; the form the LVIS-like development data chose,
# docs/lvis_like_benchmark.md) or 'difficulty' (r_c = max(1, w_c)).
_base_ = './mask-rcnn_r50_fpn_1x_lvis-v0.5_ce-cdbsplit.py'

cdb_s_form = 'rfs_x_difficulty'
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='DifficultyRepeatFactorSampler',
        form=cdb_s_form,
        oversample_thr=1e-3))

custom_hooks = [
    dict(
        type='CDBDifficultyHook',
        dataloader={{_base_.heldout_dataloader}},
        metric='bbox',
        interval=1,
        tau='sigmoid')
]
