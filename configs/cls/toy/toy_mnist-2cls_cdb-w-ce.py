# Toy CDB-W-CE on two-class MNIST: the toy CE config with the CDB loss and
# the difficulty hook (50 held-out images per digit), as
# configs/cls/cdb/lenet5_mnist-2cls-hr0.99_cdb-w-ce.py does for the real set.
_base_ = ['./toy_mnist-2cls_ce.py']

model = dict(
    head=dict(loss=dict(_delete_=True, type='CDBLoss', num_classes=2)))

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        dataloader=dict(batch_size=100, num_workers=0,
                        dataset={{_base_.heldout_dataset}})),
]
