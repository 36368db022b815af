# CDB-W-CE, robust variant: the difficulty of a class is smoothed across
# measurements, d_t = m d_{t-1} + (1 - m) (1 - A_t) with m = 0.5 (each
# measurement counts half; fixed before any run, not tuned). Only
# difficulty_momentum differs from cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        difficulty_momentum=0.5,
        dataloader=dict(
            batch_size=256,
            num_workers={{_base_.num_workers}},
            dataset={{_base_.heldout_dataset}})),
]
