# IWB stage 2 (Dang et al.) on CIFAR-100-LT, imbalance ratio 100: the
# stage-1 encoder is frozen (BatchNorm statistics too), the linear
# classifier is fine-tuned with class-balanced CE (beta 0.9999) plus
# KL(softmax|W| || softmax(lambda * NC * HC)), lambda = 0.15. Paper
# settings: batch 64, lr 0.005, 10 epochs, cosine decay to 0. Weight decay
# is not given for stage 2; stage 1's 5e-3 is kept.
_base_ = ['./resnet32_cifar100-lt-r100_iwb-stage1.py']

load_from = 'work_dirs/resnet32_cifar100-lt-r100_iwb-stage1/epoch_200.pth'

model = dict(
    type='FrozenEncoderClassifier',
    trainable=('head', ),  # = head.fc.weight and head.fc.bias
    head=dict(
        _delete_=True,
        type='IWBHead',
        num_classes=100,
        in_channels=64,
        kl_lambda=0.15,
        kl_direction='paper',
        kl_reduction='batchmean',
        loss=dict(type='ClassBalancedCELoss', beta=0.9999),
        topk=(1, )))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=5e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=10, eta_min=0.0, by_epoch=True,
         begin=0, end=10, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2))

custom_hooks = [
    dict(type='ClassCountsHook'),  # counts for NC and the CB weights
    dict(type='WeightNormRecorderHook', interval=1),
]
