# IWB stage 2 on the toy long-tailed CIFAR-10: loads the stage-1 checkpoint
# (train toy_iwb_stage1_cifar10-lt.py first, or set load_from), freezes the
# encoder and BatchNorm statistics, trains head.fc with class-balanced CE +
# the weight-norm KL for 2 epochs with cosine decay to 0.
_base_ = ['./toy_iwb_stage1_cifar10-lt.py']

load_from = 'work_dirs/toy_iwb_stage1_cifar10-lt/epoch_2.pth'

model = dict(
    type='FrozenEncoderClassifier',
    trainable=('head', ),
    head=dict(
        _delete_=True,
        type='IWBHead',
        num_classes=10,
        in_channels=32,
        kl_lambda=0.15,
        loss=dict(type='ClassBalancedCELoss', beta=0.9999),
        topk=(1, )))

optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=2, eta_min=0.0, by_epoch=True,
         begin=0, end=2, convert_to_iter_based=True),
]

custom_hooks = [
    dict(type='ClassCountsHook'),
    dict(type='WeightNormRecorderHook'),
]
