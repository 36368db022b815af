# The CIFAR-100-LT-shaped benchmark data (python tools/make_cifar_lt_bench.py
# writes data/cifar_lt_bench/cifar-100-python/). The generated pool has 550
# training images per class: 50 per class are held out (the CDB paper's
# difficulty split, also Difficulty-Net's meta split here) and the long tail
# is drawn from the other 500 at imbalance 100, i.e. the real CIFAR-100-LT
# profile floor(500 * 100 ** (-i / 99)): 500 images in class 0 ... 5 in
# class 99, 10847 in all. Every method trains on exactly these images; the
# balanced test split (100 per class) only reports.
dataset_type = 'CIFAR100LT'
data_root = 'data/cifar_lt_bench'
imbalance_ratio = 100
heldout_per_class = 50
num_workers = 2

# mean / std of the generated training pool (default generator arguments)
data_preprocessor = dict(
    num_classes=100,
    mean=[116.8, 117.4, 117.8],
    std=[51.3, 51.6, 51.2],
    to_rgb=False)  # the images are stored as RGB

# the augmentation of the CIFAR-LT papers, the same for every method
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

common = dict(
    type=dataset_type,
    data_root=data_root,
    imbalance_ratio=imbalance_ratio,
    heldout_per_class=heldout_per_class,
    seed=0)  # the data split; the training seed is randomness.seed
train_dataset = dict(split='train', pipeline=train_pipeline, **common)
heldout_dataset = dict(split='heldout', pipeline=test_pipeline, **common)
test_dataset = dict(split='test', pipeline=test_pipeline, **common)

train_dataloader = dict(
    batch_size=128,
    num_workers=num_workers,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=num_workers,
    dataset=test_dataset,
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
# many/medium/few shot groups use the TRAINING class counts
val_evaluator = dict(
    type='ShotGroupAccuracy', train_dataset=train_dataset, classwise=False)
test_evaluator = dict(
    type='ShotGroupAccuracy', train_dataset=train_dataset, classwise=True)
