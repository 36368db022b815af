# Toy CDB-W-CE: the toy CE config with the CDB loss and the difficulty hook.
_base_ = ['./toy_cifar10-lt_ce.py']

model = dict(
    head=dict(loss=dict(_delete_=True, type='CDBLoss', num_classes=10)))

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        dataloader=dict(
            batch_size=100, num_workers=0,
            dataset={{_base_.heldout_dataset}})),
]
