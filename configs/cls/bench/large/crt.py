# cRT (Kang et al., ICLR 2020): classifier re-training on a CE checkpoint.
# The encoder is frozen (BatchNorm statistics too); the linear classifier,
# initialised from stage 1, is re-trained with plain CE under class-balanced
# sampling (CDBSampler with its weights left at 1: a class uniformly, then
# an image of it), SGD lr 0.05, cosine decay to 0, as
# configs/cls/difficulty_net/resnet32_cifar100-lt-r100_dnet-crt.py.
# load_from: the CE checkpoint of the same seed (the benchmark runner sets
# it; by hand: --cfg-options load_from=.../epoch_N.pth).
_base_ = ['../_base_/size_large.py']

load_from = None

model = dict(type='FrozenEncoderClassifier', trainable=('head', ))
train_dataloader = dict(sampler=dict(_delete_=True, type='CDBSampler',
                                     fixed_weights=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
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
