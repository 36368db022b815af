# CDB-W-CE, robust variant: trains with weight 1 (plain CE) for the first
# third of the schedule (cdb_warmup_epochs of the size base) before the first
# difficulty measurement. Only warmup_epochs differs from cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        warmup_epochs={{_base_.cdb_warmup_epochs}},
        dataloader=dict(
            batch_size=256,
            num_workers={{_base_.num_workers}},
            dataset={{_base_.heldout_dataset}})),
]
