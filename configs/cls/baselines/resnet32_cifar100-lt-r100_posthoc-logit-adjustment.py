# Post-hoc logit adjustment (Menon et al., ICLR 2021): predict with
# f(x) - tau * log(pi), tau = 1, on a model trained with plain CE. Training
# with this config is the CE baseline (the head's loss is plain CE); the
# adjustment acts on validation and test only. To adjust a trained CE model:
#   python tools/test.py \
#       configs/cls/baselines/resnet32_cifar100-lt-r100_posthoc-logit-adjustment.py \
#       work_dirs/resnet32_cifar100-lt-r100_ce/epoch_200.pth
# ClassCountsHook counts the priors on train_dataloader.dataset before the
# test (a CE checkpoint has none).
_base_ = ['../cdb/resnet32_cifar100-lt-r100_ce.py']

model = dict(head=dict(type='PostHocLogitAdjustedHead', tau=1.0))
custom_hooks = [dict(type='ClassCountsHook')]
