# CDB-W-FL: class-difficulty weighted softmax focal loss (paper eq. 14).
_base_ = ['./resnet32_cifar100-lt-r100_cdb-w-ce.py']

model = dict(head=dict(loss=dict(focal_gamma=2.0)))
