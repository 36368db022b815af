# CDB-W-CE, robust variant: the tau of the authors' CIFAR-LT code
# ('official_sigmoid': sigmoid(ratio), below 1; CIFAR-LT/losses/cdb_loss.py
# of their public CDB-loss repository) instead of the paper's sigmoid tau (at
# most T_M = 5). Only the tau differs from cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [dict(_base_.cdb_hook, tau='official_sigmoid')]
