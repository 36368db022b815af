# CDB-W-CE, robust variant: the tau of the authors' CIFAR-LT code
# ('official_2sigmoid': 2 sigmoid(ratio - 1), at most 2) instead of the
# paper's sigmoid tau (at most T_M = 5). Only the tau differs from
# cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [dict(_base_.cdb_hook, tau='official_2sigmoid')]
