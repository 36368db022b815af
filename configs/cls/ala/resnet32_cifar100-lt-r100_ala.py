# ALA loss (Zhao et al., AAAI 2022) on CIFAR-100-LT, imbalance ratio 100.
# The ALA paper reports ImageNet-LT, iNaturalist and Places-LT only and says
# it uses "the same training strategies as LDAM"; this config therefore uses
# LDAM-DRW's CIFAR recipe: ResNet-32, 200 epochs, batch 128, SGD lr 0.1
# (momentum 0.9, weight decay 2e-4), 5-epoch warm-up, lr x0.01 at epochs 160
# and 180, class-balanced deferred re-weighting (beta 0.9999) from epoch 160.
# The long tail is drawn from all 500 training images per class (as in
# Cui et al. and LDAM), so nothing is held out.
_base_ = [
    '../_base_/models/resnet32_cifar.py',
    '../_base_/datasets/cifar100_lt.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(
        _delete_=True,
        type='ALAHead',
        num_classes=100,
        in_channels=64,
        scale=30.0,  # s of ALA eq. 8
        loss=dict(type='ALALoss', log_base='e', drw_epoch=160,
                  drw_beta=0.9999),
        topk=(1, )))

# class counts of the training set -> ALALoss (QF and DRW weights)
custom_hooks = [dict(type='ClassCountsHook')]

_full = dict(heldout_per_class=0)  # no CDB difficulty split for ALA
train_dataloader = dict(dataset=_full)
val_dataloader = dict(dataset=_full)
test_dataloader = val_dataloader
val_evaluator = dict(train_dataset=_full)
test_evaluator = dict(train_dataset=_full)

optim_wrapper = dict(optimizer=dict(weight_decay=2e-4))
