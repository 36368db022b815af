# Large size of the benchmark: the papers' CIFAR-100-LT schedule (CDB paper
# sec. 4.1, after Cui et al. and LDAM) for a GPU: ResNet-32 (16-32-64
# channels), 200 epochs, batch 128, SGD lr 0.1 (momentum 0.9, weight decay
# 1e-4), 5-epoch linear warm-up, lr x0.01 after epochs 160 and 180. Methods
# refer to the numbers below, so a method config is the same text at every
# size.
_base_ = ['./cifar100_lt_bench.py', '../../_base_/default_runtime.py']

feat_dim = 64  # channels of the last stage = input of the classifier
max_epochs = 200
warmup_epochs = 5
lr_steps = [160, 180]
drw_epoch = 160  # deferred re-weighting starts with the first lr step
# CE warm-up of the CDB-W-CE warm-up variant: a third of the schedule,
# fixed before any run (not tuned)
cdb_warmup_epochs = max_epochs // 3
# decoupled second stages (IWB stage 2: the paper's 10 epochs; cRT and LAS
# use the same here, Difficulty-Net's official stage 2 runs 50)
stage2_epochs = 10
# Difficulty-Net's difficulty-vs-accuracy record: a checkpoint every 10
history_ckpt_interval = 10

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR_Thin', depth=32),
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
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(enable=False, base_batch_size=128)

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=2))
