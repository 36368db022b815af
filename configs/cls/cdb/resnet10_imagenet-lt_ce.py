# CE baseline on ImageNet-LT (CDB paper sec. 4.1: 100 epochs, batch 512,
# lr 0.2, cosine decay).
_base_ = [
    '../_base_/models/resnet10.py',
    '../_base_/datasets/imagenet_lt.py',
    '../_base_/schedules/imagenet_lt_100e.py',
    '../_base_/default_runtime.py',
]
