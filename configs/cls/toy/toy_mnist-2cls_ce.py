# Toy two-class MNIST (generated: python tools/make_toy_mnist.py --out
# data/toy_mnist, 600 training and 100 test images per digit) with the
# LeNet-5 of configs/cls/cdb/lenet5_mnist-2cls-hr0.99_ce.py:
# 500 training images at head class ratio 0.9 (450 of 4, 50 of 9), 50
# held-out and 100 test images per digit. Trains 4 epochs in seconds on a
# CPU.
_base_ = [
    '../_base_/models/lenet5_2cls.py',
    '../_base_/datasets/mnist_2cls.py',
    '../_base_/default_runtime.py',
]

common = dict(type='MNISTTwoClassImbalanced', data_root='data/toy_mnist',
              digits=(4, 9), head_class_ratio=0.9, num_train=500,
              heldout_per_class=50, test_per_class=100, seed=0)
train_pipeline = {{_base_.train_pipeline}}
train_dataset = dict(split='train', pipeline=train_pipeline, **common)
heldout_dataset = dict(split='heldout', pipeline=train_pipeline, **common)

train_dataloader = dict(batch_size=50, num_workers=0,
                        dataset=dict(_delete_=True, **train_dataset))
val_dataloader = dict(
    batch_size=100, num_workers=0,
    dataset=dict(_delete_=True, split='test', pipeline=train_pipeline,
                 **common))
test_dataloader = val_dataloader
val_evaluator = dict(train_dataset=dict(_delete_=True, **train_dataset))
test_evaluator = val_evaluator

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(type='CheckpointHook', interval=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
