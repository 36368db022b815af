# CDB-W-CE, robust variant: the difficulty of a class is smoothed across
# measurements, d_t = m d_{t-1} + (1 - m) (1 - A_t) with m = 0.5 (each
# measurement counts half; fixed before any run, not tuned). Only
# difficulty_momentum differs from cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [dict(_base_.cdb_hook, difficulty_momentum=0.5)]
