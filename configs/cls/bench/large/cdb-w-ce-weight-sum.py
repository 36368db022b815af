# CDB-W-CE, loss normalisation variant: the weighted per-sample losses are
# divided by the batch's sum of weights (normalize_by_weight_sum=True, the
# weighted mean of the authors' ImageNet-LT code) instead of by the batch
# size (the paper's mean, also the authors' CIFAR-LT code's). Mean-1 class
# weights keep the mean over classes at 1, not the mean over the long-tailed
# training samples, so the plain mean shrinks the loss, and with it the
# step size, by the history's sample_mean_weight. Only the loss's reduction
# differs from cdb-w-ce.py.
_base_ = './cdb-w-ce.py'

model = dict(head=dict(loss=dict(normalize_by_weight_sum=True)))
