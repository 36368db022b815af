# Decoupled stage 2, cRT, on the Difficulty-Net stage-1 ResNet-32
# (CIFAR-100-LT r100, "Ours + cRT" in Table 1). As the official stage-2
# code (CIFAR-LT/cifar_train_exaugment_stage2.py): encoder frozen in eval
# mode, linear classifier initialised from stage 1 and re-trained with CE
# under class-balanced sampling, SGD lr 0.05 momentum 0.9 weight decay
# 1e-4, cosine decay over 50 epochs, batch 128, same augmentation.
# Batch sizes are per process (mmengine): 128 on one GPU, as stage 1.
_base_ = [
    '../_base_/datasets/cifar100_lt.py',
    '../_base_/models/resnet32_cifar.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/default_runtime.py',
]

load_from = ('work_dirs/resnet32_cifar100-lt-r100_difficulty-net/'
             'epoch_200.pth')

heldout_per_class = 25
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AutoAugment', policies='imagenet'),
    dict(type='Cutout', shape=16, pad_val=0, prob=1.0),
    dict(type='PackInputs'),
]
train_dataset = dict(
    type='CIFAR100LT',
    data_root='data/cifar100',
    split='train',
    imbalance_ratio=100,
    heldout_per_class=heldout_per_class,
    seed=0,
    pipeline=train_pipeline)
# class-balanced sampling: CDBSampler with its class weights left at 1
train_dataloader = dict(
    dataset=train_dataset,
    sampler=dict(_delete_=True, type='CDBSampler', fixed_weights=True))
val_dataloader = dict(dataset=dict(heldout_per_class=heldout_per_class))
test_dataloader = val_dataloader
val_evaluator = dict(train_dataset=train_dataset)
test_evaluator = dict(train_dataset=train_dataset)

model = dict(type='FrozenEncoderClassifier', trainable=('head', ))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=50, eta_min=0.0, by_epoch=True,
         begin=0, end=50, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
