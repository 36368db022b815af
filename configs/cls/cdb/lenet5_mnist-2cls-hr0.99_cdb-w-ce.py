# CDB-W-CE: the CE baseline with the class-difficulty weighted loss and the
# hook that measures per-class accuracy on the held-out split every epoch.
_base_ = ['./lenet5_mnist-2cls-hr0.99_ce.py']

model = dict(
    head=dict(loss=dict(_delete_=True, type='CDBLoss', num_classes=2)))

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        dataloader=dict(
            batch_size=100, num_workers=2,
            dataset={{_base_.heldout_dataset}})),
]
