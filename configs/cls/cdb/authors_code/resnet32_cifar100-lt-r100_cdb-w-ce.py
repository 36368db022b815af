# CDB-W-CE as the authors' code trains it (CIFAR-LT/cifar_train.py and
# CIFAR-LT/losses/cdb_loss.py in their CDB-loss repository): the
# authors'-code CE config plus the CDB loss and the difficulty hook with
# their CIFAR tau, sigmoid(max A / (min A + 0.01)) ('official_sigmoid'),
# measured after every epoch. Their loss: per-sample weighted CE averaged
# over the batch (CDBLoss's reduction). Not reproduced: their difficulty is
# not clamped, so a class at 100% held-out accuracy gets weight 0 (here
# d_min = 1e-3 gives it a small positive weight).
_base_ = ['./resnet32_cifar100-lt-r100_ce.py']

model = dict(
    head=dict(loss=dict(_delete_=True, type='CDBLoss', num_classes=100)))

custom_hooks = [
    _base_.selection_hook,
    dict(
        type='CDBClsHook',
        interval=1,
        tau='official_sigmoid',
        dataloader=dict(
            batch_size=256, num_workers=2,
            dataset=_base_.heldout_dataset)),
]
