# CDB-W-CE, robust variant: trains with weight 1 (plain CE) for the first
# third of the schedule (cdb_warmup_epochs of the size base) before the first
# difficulty measurement. Only warmup_epochs differs from cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [
    dict(_base_.cdb_hook, warmup_epochs={{_base_.cdb_warmup_epochs}})
]
