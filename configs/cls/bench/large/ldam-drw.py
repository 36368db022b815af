# LDAM-DRW (Cao et al., NeurIPS 2019): cosine classifier with scale 30
# (ALAHead), margins m_c = C / n_c^(1/4) with max margin 0.5,
# class-balanced deferred re-weighting (beta 0.9999) from the first lr step,
# weight decay 2e-4 of the authors' code, as
# configs/cls/baselines/resnet32_cifar100-lt-r100_ldam-drw.py.
_base_ = ['../_base_/size_large.py']

model = dict(
    head=dict(
        _delete_=True,
        type='ALAHead',
        num_classes=100,
        in_channels={{_base_.feat_dim}},
        scale=30.0,
        loss=dict(
            type='LDAMLoss',
            max_margin=0.5,
            drw_epoch={{_base_.drw_epoch}},
            drw_beta=0.9999),
        topk=(1, )))
# training class counts -> margins and DRW weights
custom_hooks = [dict(type='ClassCountsHook')]

optim_wrapper = dict(optimizer=dict(weight_decay=2e-4))
