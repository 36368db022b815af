# ALA on the toy long-tailed CIFAR-10 (python tools/make_toy_cifar.py
# --out data/toy_cifar): the CE toy with the cosine ALA head. Deferred
# re-weighting starts at the second epoch so both phases run. 2 epochs,
# seconds on a CPU.
_base_ = ['./toy_cifar10-lt_ce.py']

model = dict(
    head=dict(
        _delete_=True,
        type='ALAHead',
        num_classes=10,
        in_channels=32,
        scale=30.0,
        loss=dict(type='ALALoss', log_base='e', drw_epoch=1),
        topk=(1, )))

custom_hooks = [dict(type='ClassCountsHook')]
