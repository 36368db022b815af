# Balanced Softmax (Ren et al., NeurIPS 2020): CE on f(x) + log(n_c);
# prediction uses f(x). The CE baseline with only the loss changed, as
# configs/cls/baselines/resnet32_cifar100-lt-r100_balanced-softmax.py.
_base_ = ['./_base_/size_default.py']

model = dict(
    head=dict(
        loss=dict(_delete_=True, type='BalancedSoftmaxLoss',
                  num_classes=100)))
custom_hooks = [dict(type='ClassCountsHook')]
