# Decoupled stage 2, cRT (Kang et al., 2020), on a Difficulty-Net stage-1
# checkpoint (train toy_difficulty_net.py first, or set load_from): the
# encoder is frozen (BatchNorm statistics too), the linear classifier,
# initialised from stage 1 as in the official Difficulty-Net code, is
# re-trained with plain CE under class-balanced sampling (CDBSampler with
# its weights left at 1: class uniformly, then an image uniformly).
_base_ = ['./toy_cifar10-lt_ce.py']

load_from = 'work_dirs/toy_difficulty_net/epoch_2.pth'

model = dict(type='FrozenEncoderClassifier', trainable=('head', ))
train_dataloader = dict(sampler=dict(_delete_=True, type='CDBSampler',
                                     fixed_weights=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=2, eta_min=0.0, by_epoch=True,
         begin=0, end=2, convert_to_iter_based=True),
]
