# Logit-adjusted loss (Menon et al., "Long-tail learning via logit
# adjustment", ICLR 2021): CE on f(x) + tau * log(pi), pi the training class
# priors, tau = 1. The CE baseline of the CDB configs (ResNet-32,
# CIFAR-100-LT r100, 200 epochs, batch 128, SGD lr 0.1, 5-epoch warm-up,
# lr x0.01 at 160 and 180) with only the loss changed, so it trains on the
# same images as CE and CDB (450-per-class pool, 50 held out).
_base_ = ['../cdb/resnet32_cifar100-lt-r100_ce.py']

model = dict(head=dict(loss=dict(_delete_=True, type='LogitAdjustedLoss',
                                 num_classes=100, tau=1.0)))
# training class counts -> pi
custom_hooks = [dict(type='ClassCountsHook')]
