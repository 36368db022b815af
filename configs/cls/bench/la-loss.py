# Logit-adjusted loss (Menon et al., ICLR 2021): CE on f(x) + tau log(pi),
# pi the training class priors, tau = 1; prediction uses f(x). The CE
# baseline with only the loss changed, as
# configs/cls/baselines/resnet32_cifar100-lt-r100_logit-adjusted-loss.py.
_base_ = ['./_base_/size_default.py']

model = dict(
    head=dict(
        loss=dict(
            _delete_=True, type='LogitAdjustedLoss', num_classes=100,
            tau=1.0)))
custom_hooks = [dict(type='ClassCountsHook')]  # training counts -> pi
