# CDB-W-CE, robust variant: the tau of the authors' ImageNet-LT code
# ('official_2sigmoid': 2 sigmoid(ratio - 1), at most 2;
# ImageNet-LT/loss/CDBSoftmaxLoss.py of their public CDB-loss repository)
# instead of the paper's sigmoid tau (at most T_M = 5). Only the tau differs
# from cdb-w-ce.py. Their CIFAR-LT code's tau is cdb-w-ce-official-cifar.py.
_base_ = './cdb-w-ce.py'

custom_hooks = [dict(_base_.cdb_hook, tau='official_2sigmoid')]
