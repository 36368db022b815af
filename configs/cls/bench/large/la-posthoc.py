# Post-hoc logit adjustment (Menon et al., ICLR 2021): predict with
# f(x) - tau log(pi), tau = 1, on the CE model; nothing is trained. The
# benchmark runner evaluates the CE checkpoint of the same seed with this
# config, as configs/cls/baselines/*posthoc-logit-adjustment.py.
# ClassCountsHook counts the priors on the training set before the test.
_base_ = ['../_base_/size_large.py']

model = dict(head=dict(type='PostHocLogitAdjustedHead', tau=1.0))
custom_hooks = [dict(type='ClassCountsHook')]
