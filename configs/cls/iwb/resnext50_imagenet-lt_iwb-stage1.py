# IWB stage 1 (Dang et al.) on ImageNet-LT: plain cross-entropy training of
# ResNeXt-50 (32x4d). Paper settings: batch 128, lr 0.01, weight decay 5e-4,
# 200 epochs, cosine decay to 0 (SGD momentum 0.9 assumed).
# Stage 2: resnext50_imagenet-lt_iwb-stage2.py.
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/imagenet_lt.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(type='ResNeXt', depth=50, groups=32, width_per_group=4),
    head=dict(topk=(1, 5)))

train_dataloader = dict(batch_size=16)  # x 8 GPUs = 128, as the paper
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=200, eta_min=0.0, by_epoch=True,
         begin=0, end=200, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(enable=False, base_batch_size=128)

custom_hooks = [dict(type='WeightNormRecorderHook', interval=10)]
