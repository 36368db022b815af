# Default size of the benchmark, for a CPU: ResNet-32 at half width (8-16-32
# channels, about 0.12M parameters instead of 0.47M) and a shortened
# CIFAR-LT schedule: 15 epochs, batch 128, SGD lr 0.1 (momentum 0.9, weight
# decay 1e-4), 1-epoch linear warm-up, lr x0.01 after epochs 12 and 14 (the
# papers' 160/180 of 200, scaled). Methods refer to the numbers below, so a
# method config is the same text at every size.
_base_ = ['./cifar100_lt_bench.py', '../../_base_/default_runtime.py']

feat_dim = 32  # channels of the last stage = input of the classifier
max_epochs = 15
warmup_epochs = 1
lr_steps = [12, 14]
drw_epoch = 12  # deferred re-weighting starts with the first lr step
# CE warm-up of the CDB-W-CE warm-up variant: a third of the schedule,
# fixed before any run (not tuned)
cdb_warmup_epochs = max_epochs // 3
# decoupled second stages (IWB stage 2, cRT, LAS): encoder frozen
stage2_epochs = 10
# Difficulty-Net's difficulty-vs-accuracy record: a checkpoint every epoch
history_ckpt_interval = 1

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR_Thin', depth=32, stem_channels=8, base_channels=8),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=feat_dim,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=lr_steps, gamma=0.01),
]
# one evaluation on the test split, after the last epoch
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(enable=False, base_batch_size=128)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
