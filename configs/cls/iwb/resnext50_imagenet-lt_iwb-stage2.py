# IWB stage 2 (Dang et al.) on ImageNet-LT: frozen ResNeXt-50 encoder
# (BatchNorm statistics too), linear classifier fine-tuned with
# class-balanced CE (beta 0.9999) + KL(softmax|W| || softmax(lambda*NC*HC)),
# lambda = 0.05. Paper settings: batch 512, lr 0.01, 10 epochs, cosine decay
# to 0. Weight decay is not given for stage 2; stage 1's 5e-4 is kept.
_base_ = ['./resnext50_imagenet-lt_iwb-stage1.py']

load_from = 'work_dirs/resnext50_imagenet-lt_iwb-stage1/epoch_200.pth'

model = dict(
    type='FrozenEncoderClassifier',
    trainable=('head', ),
    head=dict(
        _delete_=True,
        type='IWBHead',
        num_classes=1000,
        in_channels=2048,
        kl_lambda=0.05,
        kl_direction='paper',
        kl_reduction='batchmean',
        loss=dict(type='ClassBalancedCELoss', beta=0.9999),
        topk=(1, 5)))

train_dataloader = dict(batch_size=64)  # x 8 GPUs = 512, as the paper
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=10, eta_min=0.0, by_epoch=True,
         begin=0, end=10, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
auto_scale_lr = dict(enable=False, base_batch_size=512)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2))

custom_hooks = [
    dict(type='ClassCountsHook'),
    dict(type='WeightNormRecorderHook', interval=1),
]
