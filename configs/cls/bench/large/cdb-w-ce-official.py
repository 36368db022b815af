# CDB-W-CE, robust variant: the tau of the authors' CIFAR-LT code
# ('official_2sigmoid': 2 sigmoid(ratio - 1), at most 2) instead of the
# paper's sigmoid tau (at most T_M = 5). Only the tau differs from
# cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='official_2sigmoid',
        dataloader=dict(
            batch_size=256,
            num_workers={{_base_.num_workers}},
            dataset={{_base_.heldout_dataset}})),
]
