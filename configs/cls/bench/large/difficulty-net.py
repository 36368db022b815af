# Difficulty-Net stage 1 (Sinha & Ohashi, WACV 2023), end to end: D = MLP
# 100-128-128-100 with sigmoid, driver loss weight lambda 0.3, D trained by
# Adam (lr 1e-3, weight decay 1e-4) through the meta gradient, the
# classifier by the CE baseline's optimiser and schedule, as
# configs/cls/difficulty_net/resnet32_cifar100-lt-r100_difficulty-net.py.
# The meta split (and per-class accuracy split) is the benchmark's held-out
# split (50 per class; the official code holds out 25), and the
# augmentation is the benchmark's (no AutoAugment / Cutout), so that every
# method trains on the same images the same way. A checkpoint per
# history_ckpt_interval epochs, all kept: the runner reads D's predicted
# difficulty and the measured accuracy from them.
_base_ = ['../_base_/size_large.py']

model = dict(
    type='DifficultyNetClassifier',
    difficulty_net=dict(type='DifficultyNet', hidden_dim=128),
    driver_loss_weight=0.3,
    meta_grad=True,
    meta_grad_impl='forward_ad')

optim_wrapper = dict(
    _delete_=True,
    constructor='DifficultyNetOptimWrapperConstructor',
    classifier=dict(
        type='OptimWrapper', optimizer={{_base_.optim_wrapper.optimizer}}),
    difficulty_net=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4)))
# the classifier keeps the CE schedule; D's learning rate is constant
param_scheduler = dict(
    _delete_=True,
    classifier={{_base_.param_scheduler}},
    difficulty_net=[])

custom_hooks = [
    dict(
        type='DifficultyNetHook',
        interval=1,
        meta_dataloader=dict(
            batch_size=100,
            num_workers={{_base_.num_workers}},
            dataset={{_base_.heldout_dataset}},
            sampler=dict(type='DefaultSampler', shuffle=True))),
]
model_wrapper_cfg = dict(type='DifficultyNetDDP')

default_hooks = dict(
    checkpoint=dict(
        interval={{_base_.history_ckpt_interval}}, max_keep_ckpts=-1))
