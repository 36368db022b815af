# Toy long-tailed CIFAR-10 (generated: python tools/make_toy_cifar.py
# --out data/toy_cifar) with a small ResNet-20; trains 2 epochs in seconds
# on a CPU. 20 images per class are held out, the long tail (ratio 20) is
# drawn from the remaining 180: 180 ... 9 images per class.
_base_ = ['../_base_/default_runtime.py']

dataset_type = 'CIFAR10LT'
data_root = 'data/toy_cifar'
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
common = dict(
    type=dataset_type, data_root=data_root, imbalance_ratio=20,
    heldout_per_class=20, seed=0)
train_dataset = dict(split='train', pipeline=train_pipeline, **common)
heldout_dataset = dict(split='heldout', pipeline=test_pipeline, **common)

data_preprocessor = dict(
    num_classes=10, mean=[127.5, 127.5, 127.5], std=[64.0, 64.0, 64.0],
    to_rgb=False)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR_Thin', depth=20, stem_channels=8,
                  base_channels=8),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))

train_dataloader = dict(
    batch_size=32, num_workers=0, dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=100, num_workers=0,
    dataset=dict(split='test', pipeline=test_pipeline, **common),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='ShotGroupAccuracy', train_dataset=train_dataset)
test_evaluator = val_evaluator

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(type='CheckpointHook', interval=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
