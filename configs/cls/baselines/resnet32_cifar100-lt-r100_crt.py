# Classifier re-training, cRT (Kang et al., "Decoupling Representation and
# Classifier for Long-Tailed Recognition", ICLR 2020), on the CE baseline:
# the CE model's encoder is frozen (eval mode, BatchNorm statistics kept)
# and the linear classifier is re-trained with CE under class-balanced
# sampling. The same stage-2 recipe as the Difficulty-Net cRT config
# (configs/cls/difficulty_net/*dnet-crt.py): SGD lr 0.05, momentum 0.9,
# weight decay 1e-4, cosine decay over 50 epochs, batch 128. The classifier
# starts from the CE one (as that config); Kang et al. re-initialise it.
_base_ = ['../cdb/resnet32_cifar100-lt-r100_ce.py']

load_from = 'work_dirs/resnet32_cifar100-lt-r100_ce/epoch_200.pth'

model = dict(type='FrozenEncoderClassifier', trainable=('head', ))
# class-balanced sampling: CDBSampler with its class weights left at 1
train_dataloader = dict(sampler=dict(_delete_=True, type='CDBSampler',
                                     fixed_weights=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=50, eta_min=0.0, by_epoch=True,
         begin=0, end=50, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
