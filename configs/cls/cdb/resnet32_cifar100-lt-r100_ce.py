# CE baseline: ResNet-32 on CIFAR-100-LT, imbalance ratio 100 (CDB paper
# sec. 4.1). Trains on the 450-per-class pool left after holding out 50.
_base_ = [
    '../_base_/models/resnet32_cifar.py',
    '../_base_/datasets/cifar100_lt.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/default_runtime.py',
]
