# Difficulty-Net stage 1 (Sinha & Ohashi, WACV 2023) on CIFAR-100-LT,
# imbalance ratio 100, ResNet-32, end-to-end ("Ours" in Table 1).
# Settings of the paper / official code (CIFAR-LT/cifar_train_exaugment.py):
# D = MLP 100-128-128-100 with sigmoid, lambda = 0.3, D trained by Adam
# (lr 1e-3, weight decay 1e-4, SPEC section 2; the official CIFAR script
# uses lr 1e-5), classifier SGD lr 0.1 momentum 0.9 weight decay 1e-4,
# batch 128, 200 epochs; the meta set (25 images per class held out of the
# 500 training images, as the official code does) doubles as the
# per-class accuracy split, meta batch 100; AutoAugment + Cutout (Sec. 4.4).
# Batch sizes are per process (mmengine): 128 training + 100 meta images on
# one GPU, as the official code; on N GPUs divide both by N.
_base_ = [
    '../_base_/datasets/cifar100_lt.py',
    '../_base_/models/resnet32_cifar.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/default_runtime.py',
]

heldout_per_class = 25
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AutoAugment', policies='imagenet'),
    dict(type='Cutout', shape=16, pad_val=0, prob=1.0),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataset = dict(
    type='CIFAR100LT',
    data_root='data/cifar100',
    split='train',
    imbalance_ratio=100,
    heldout_per_class=heldout_per_class,
    seed=0,
    pipeline=train_pipeline)
meta_dataset = dict(
    type='CIFAR100LT',
    data_root='data/cifar100',
    split='heldout',
    imbalance_ratio=100,
    heldout_per_class=heldout_per_class,
    seed=0,
    pipeline=test_pipeline)

train_dataloader = dict(dataset=train_dataset)
val_dataloader = dict(dataset=dict(heldout_per_class=heldout_per_class))
test_dataloader = val_dataloader
val_evaluator = dict(train_dataset=train_dataset)
test_evaluator = dict(train_dataset=train_dataset)

model = dict(
    type='DifficultyNetClassifier',
    difficulty_net=dict(type='DifficultyNet', hidden_dim=128),
    driver_loss_weight=0.3,
    meta_grad=True,  # False: the official code (D learns from L_dr only)
    meta_grad_impl='forward_ad')

optim_wrapper = dict(
    _delete_=True,
    constructor='DifficultyNetOptimWrapperConstructor',
    classifier=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)),
    difficulty_net=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4)))
# the classifier keeps the CIFAR-LT schedule; D's learning rate is constant
param_scheduler = dict(
    _delete_=True,
    classifier=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
             end=5, convert_to_iter_based=True),
        dict(type='MultiStepLR', by_epoch=True, milestones=[160, 180],
             gamma=0.01),
    ],
    difficulty_net=[])

custom_hooks = [
    dict(
        type='DifficultyNetHook',
        interval=1,
        meta_dataloader=dict(
            batch_size=100,
            num_workers=2,
            dataset=meta_dataset,
            sampler=dict(type='DefaultSampler', shuffle=True))),
]
model_wrapper_cfg = dict(type='DifficultyNetDDP')
