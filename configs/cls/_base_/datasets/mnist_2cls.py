# Two-class imbalanced MNIST as in the CDB paper (sec. 4.1, after Ren et al.
# 2018): 5000 training images of the digits 4 (head) and 9 (tail), the head
# class ratio x gives 5000 * x images of 4 and the rest of 9; a balanced
# difficulty split of 500 images per digit from the other MNIST training
# images and a balanced test split of 800 per digit from the test images.
# data_root holds the four MNIST idx files (.gz as distributed, or
# extracted). Another ratio: use the hr0.995 configs, or override
# head_class_ratio in train_dataloader.dataset AND in the evaluators'
# train_dataset.
dataset_type = 'MNISTTwoClassImbalanced'
data_root = 'data/mnist'
common = dict(type=dataset_type, data_root=data_root, digits=(4, 9),
              head_class_ratio=0.99, num_train=5000, heldout_per_class=500,
              test_per_class=800, seed=0)

data_preprocessor = dict(num_classes=2, mean=[33.46], std=[78.87])
# LeNet-5 takes 32x32 images
train_pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]
test_pipeline = train_pipeline

train_dataset = dict(split='train', pipeline=train_pipeline, **common)
# class-balanced difficulty split, disjoint from train (used by CDBClsHook)
heldout_dataset = dict(split='heldout', pipeline=test_pipeline, **common)

# batch sizes divide every split: mmpretrain's LeNet5 squeezes its features,
# which breaks on a batch of one image
train_dataloader = dict(
    batch_size=100,
    num_workers=2,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=100,
    num_workers=2,
    dataset=dict(split='test', pipeline=test_pipeline, **common),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
# the paper reports the classification error: 100 - shot/top1
val_evaluator = dict(
    type='ShotGroupAccuracy', train_dataset=train_dataset, classwise=True)
test_dataloader = val_dataloader
test_evaluator = val_evaluator
