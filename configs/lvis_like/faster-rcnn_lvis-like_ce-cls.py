# The control of the "-cls" variants: the same stage 2 as
# faster-rcnn_lvis-like_cdb-w-ce-cls.py (load the CE detector trained without
# the held-out images, freeze everything but the final classification layer
# fc_cls, retrain it for the same 12 epochs with the same learning rate and
# sampler) with plain softmax CE instead of CDB-W-CE. The paired difference
# CDB-W-CE-cls minus CE-cls is the share of the class difficulty weights;
# CE-cls minus its starting detector is the share of the retraining alone
# (classifier re-training, the stage 2 of cRT and the decoupling papers).
# tools/run_lvis_like_benchmark.py passes the checkpoint of the same training
# seed; the default below is seed 0.
_base_ = './faster-rcnn_lvis-like_ce-cdb-split.py'

load_from = 'work_dirs/lvis_like_bench/ce-cdb-split/seed0/epoch_12.pth'
# a trained detector: BatchNorm statistics and the backbone stay as they are
model = dict(backbone=dict(frozen_stages=4, norm_eval=True))
# only fc_cls learns; under DDP the frozen parameters get no gradient
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
custom_hooks = [
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.fc_cls'])
]
