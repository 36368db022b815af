# ALA loss (Zhao et al., AAAI 2022) on ImageNet-LT with ResNeXt-50 (32x4d):
# the paper's setting is batch 256, lr 0.1, weight decay 5e-4, 90 epochs,
# s = 30, "the same training strategies as LDAM". The paper does not print
# the lr schedule or the re-weighting epoch; here: 5-epoch linear warm-up,
# lr x0.1 at epochs 60 and 80, class-balanced deferred re-weighting (beta
# 0.9999) from epoch 60, i.e. at the first lr decay as in LDAM-DRW.
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/imagenet_lt.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(type='ResNeXt', depth=50, groups=32, width_per_group=4),
    head=dict(
        _delete_=True,
        type='ALAHead',
        num_classes=1000,
        in_channels=2048,
        scale=30.0,
        loss=dict(type='ALALoss', log_base='e', drw_epoch=60,
                  drw_beta=0.9999),
        topk=(1, 5)))

custom_hooks = [dict(type='ClassCountsHook')]

train_dataloader = dict(batch_size=128)  # x 2 GPUs = 256, as the paper
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(enable=False, base_batch_size=256)
