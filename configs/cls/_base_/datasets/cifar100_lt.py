# CIFAR-100-LT as in the CDB paper (sec. 4.1): 50 images per class are held
# out of the 500 training images (difficulty split), the long tail is drawn
# from the other 450 (n_max = 450), the balanced test set is untouched.
# The CE baseline trains on exactly the same images as CDB.
# Another imbalance ratio: use the r10/r50/r200 configs, or override BOTH
#   train_dataloader.dataset.imbalance_ratio and
#   val_evaluator.train_dataset.imbalance_ratio (and test_evaluator's).
dataset_type = 'CIFAR100LT'
data_root = 'data/cifar100'  # holds cifar-100-python/
imbalance_ratio = 100
heldout_per_class = 50

data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False)  # CIFAR images are stored as RGB already

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    split='train',
    imbalance_ratio=imbalance_ratio,
    heldout_per_class=heldout_per_class,
    seed=0,
    pipeline=train_pipeline)
# class-balanced difficulty split, disjoint from train (used by CDBClsHook)
heldout_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    split='heldout',
    imbalance_ratio=imbalance_ratio,
    heldout_per_class=heldout_per_class,
    seed=0,
    pipeline=test_pipeline)

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        imbalance_ratio=imbalance_ratio,
        heldout_per_class=heldout_per_class,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
# many/medium/few shot groups use the TRAINING class counts
val_evaluator = dict(
    type='ShotGroupAccuracy', train_dataset=train_dataset, classwise=False)
test_dataloader = val_dataloader
test_evaluator = dict(
    type='ShotGroupAccuracy', train_dataset=train_dataset, classwise=True)
