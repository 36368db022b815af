# ImageNet-LT (Liu et al., 2019) from its list files:
#   data/imagenet/ImageNet_LT_{train,val,test}.txt ("train/n01440764/x.JPEG 0")
#   data/imagenet/train/..., data/imagenet/val/...  (the ImageNet images)
# The val split (20 per class) is the CDB difficulty split; test has 50.
dataset_type = 'ImageNetLT'
data_root = 'data/imagenet'

data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataset = dict(
    type=dataset_type, data_root=data_root, split='train',
    pipeline=train_pipeline)
heldout_dataset = dict(
    type=dataset_type, data_root=data_root, split='val',
    pipeline=test_pipeline)

train_dataloader = dict(
    batch_size=128,  # x 4 GPUs = 512, the paper's batch size
    num_workers=8,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(
    type='ShotGroupAccuracy', train_dataset=train_dataset, classwise=False)
test_dataloader = val_dataloader
test_evaluator = dict(
    type='ShotGroupAccuracy', train_dataset=train_dataset, classwise=True)
