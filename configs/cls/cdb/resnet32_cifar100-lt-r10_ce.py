# The imbalance-ratio-100 config with imbalance ratio 10: the training set
# and the training class counts of the shot-group metric both change.
_base_ = ['./resnet32_cifar100-lt-r100_ce.py']

train_dataloader = dict(dataset=dict(imbalance_ratio=10))
val_evaluator = dict(train_dataset=dict(imbalance_ratio=10))
test_evaluator = dict(train_dataset=dict(imbalance_ratio=10))
