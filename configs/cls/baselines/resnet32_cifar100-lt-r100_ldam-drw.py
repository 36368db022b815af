# LDAM-DRW (Cao et al., "Learning Imbalanced Datasets with
# Label-Distribution-Aware Margin Loss", NeurIPS 2019) on CIFAR-100-LT r100:
# cosine classifier with scale s = 30 (ALAHead is that head: no bias,
# normalised features and weights), margins m_c = C / n_c^(1/4) with max
# margin 0.5, class-balanced deferred re-weighting (beta 0.9999) from epoch
# 160 of 200. The schedule of the CDB configs is the LDAM-DRW CIFAR recipe
# (batch 128, SGD lr 0.1, 5-epoch warm-up, lr x0.01 at 160 and 180) except
# the weight decay, 2e-4 in Cao et al.'s code. Same images as CE and CDB.
_base_ = ['../cdb/resnet32_cifar100-lt-r100_ce.py']

model = dict(
    head=dict(
        _delete_=True,
        type='ALAHead',
        num_classes=100,
        in_channels=64,
        scale=30.0,
        loss=dict(type='LDAMLoss', max_margin=0.5, drw_epoch=160,
                  drw_beta=0.9999),
        topk=(1, )))
# training class counts -> margins and DRW weights
custom_hooks = [dict(type='ClassCountsHook')]

optim_wrapper = dict(optimizer=dict(weight_decay=2e-4))
