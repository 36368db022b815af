# CE baseline: LeNet-5 on two-class MNIST (digits 4 and 9), head class ratio
# 0.99 (4950 and 50 training images; CDB paper sec. 4.1, imbalance 99).
_base_ = [
    '../_base_/models/lenet5_2cls.py',
    '../_base_/datasets/mnist_2cls.py',
    '../_base_/schedules/mnist_100e.py',
    '../_base_/default_runtime.py',
]
