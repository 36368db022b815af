# IWB stage 2 (Dang et al.): the stage-1 encoder is frozen (BatchNorm
# statistics too); the linear classifier is fine-tuned with class-balanced
# CE (beta 0.9999) + KL(softmax|W| || softmax(lambda NC HC)), lambda 0.15
# (CIFAR-100-LT), SGD lr 0.005, cosine decay to 0, as
# configs/cls/iwb/resnet32_cifar100-lt-r100_iwb-stage2.py.
# load_from: the stage-1 checkpoint of the same seed (the benchmark runner
# sets it; by hand: --cfg-options load_from=.../epoch_N.pth).
_base_ = ['./iwb-stage1.py']

load_from = None

model = dict(
    type='FrozenEncoderClassifier',
    trainable=('head', ),
    head=dict(
        _delete_=True,
        type='IWBHead',
        num_classes=100,
        in_channels={{_base_.feat_dim}},
        kl_lambda=0.15,
        kl_direction='paper',
        kl_reduction='batchmean',
        loss=dict(type='ClassBalancedCELoss', beta=0.9999),
        topk=(1, )))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=5e-3))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max={{_base_.stage2_epochs}},
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end={{_base_.stage2_epochs}},
        convert_to_iter_based=True),
]
train_cfg = dict(
    max_epochs={{_base_.stage2_epochs}},
    val_interval={{_base_.stage2_epochs}})

custom_hooks = [
    dict(type='ClassCountsHook'),  # counts for NC and the CB weights
    dict(type='WeightNormRecorderHook', interval=1),
]
