# The "-cls" decoupled variant of the CDB paper: load the CE detector trained
# without the held-out images (faster-rcnn_lvis-like_ce-cdb-split.py), freeze
# everything but the final classification layer (fc_cls) and retrain it with
# CDB-W-CE for the same 12 epochs. tools/run_lvis_like_benchmark.py passes
# the checkpoint of the same training seed; the default below is seed 0.
_base_ = './faster-rcnn_lvis-like_cdb-w-ce.py'

load_from = 'work_dirs/lvis_like_bench/ce-cdb-split/seed0/epoch_12.pth'
# a trained detector: BatchNorm statistics and the backbone stay as they are
model = dict(backbone=dict(frozen_stages=4, norm_eval=True))
# only fc_cls learns; under DDP the frozen parameters get no gradient
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
custom_hooks = [
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.fc_cls']),
    dict(
        type='CDBDifficultyHook',
        dataloader={{_base_.heldout_dataloader}},
        metric='bbox',
        interval=1,
        tau='sigmoid')
]
