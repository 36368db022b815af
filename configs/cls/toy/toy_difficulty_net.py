# Difficulty-Net (stage 1) on the toy long-tailed CIFAR-10 of
# toy_cifar10-lt_ce.py (generated: python tools/make_toy_cifar.py
# --out data/toy_cifar): the same ResNet-20 (8 channels), data and split,
# with the 3-step meta update; the held-out split is the meta set and the
# per-class accuracy split. 2 epochs in seconds on a CPU.
_base_ = ['./toy_cifar10-lt_ce.py']

model = dict(
    type='DifficultyNetClassifier',
    difficulty_net=dict(type='DifficultyNet', hidden_dim=16),
    driver_loss_weight=0.3,
    meta_grad=True)

optim_wrapper = dict(
    _delete_=True,
    constructor='DifficultyNetOptimWrapperConstructor',
    classifier=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.05, momentum=0.9,
                       weight_decay=1e-4)),
    difficulty_net=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4)))
param_scheduler = dict(_delete_=True, classifier=[], difficulty_net=[])

custom_hooks = [
    dict(
        type='DifficultyNetHook',
        interval=1,
        meta_dataloader=dict(
            batch_size=20,
            num_workers=0,
            dataset={{_base_.heldout_dataset}},
            sampler=dict(type='DefaultSampler', shuffle=True))),
]
# distributed runs (tools/train.py --launcher pytorch) need this wrapper
model_wrapper_cfg = dict(type='DifficultyNetDDP')
