# The head-class-ratio-0.99 config with ratio 0.995 (4975 and 25 training
# images, imbalance 199): the training set and the training class counts of
# the shot-group metric both change.
_base_ = ['./lenet5_mnist-2cls-hr0.99_cdb-w-ce.py']

train_dataloader = dict(dataset=dict(head_class_ratio=0.995))
val_evaluator = dict(train_dataset=dict(head_class_ratio=0.995))
test_evaluator = dict(train_dataset=dict(head_class_ratio=0.995))
