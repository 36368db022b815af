# CDB-W-CE: the CE baseline with the class-difficulty weighted loss and the
# hook that measures per-class accuracy on the held-out split every epoch.
_base_ = ['./resnet32_cifar100-lt-r100_ce.py']

model = dict(
    head=dict(loss=dict(_delete_=True, type='CDBLoss', num_classes=100)))

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        dataloader=dict(
            batch_size=256, num_workers=2,
            dataset={{_base_.heldout_dataset}})),
]
