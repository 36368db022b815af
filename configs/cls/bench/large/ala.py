# ALA (Zhao et al., AAAI 2022): cosine classifier (s = 30, ALA eq. 8) with
# the adaptive logit adjustment loss and class-balanced deferred
# re-weighting (beta 0.9999) from the first lr step, the LDAM training
# strategy the paper follows (including its weight decay 2e-4), as
# configs/cls/ala/resnet32_cifar100-lt-r100_ala.py.
_base_ = ['../_base_/size_large.py']

model = dict(
    head=dict(
        _delete_=True,
        type='ALAHead',
        num_classes=100,
        in_channels={{_base_.feat_dim}},
        scale=30.0,
        loss=dict(
            type='ALALoss',
            log_base='e',
            drw_epoch={{_base_.drw_epoch}},
            drw_beta=0.9999),
        topk=(1, )))

# training class counts -> ALALoss (QF and DRW weights)
custom_hooks = [dict(type='ClassCountsHook')]

optim_wrapper = dict(optimizer=dict(weight_decay=2e-4))
