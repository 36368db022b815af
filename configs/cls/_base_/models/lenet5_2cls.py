# LeNet-5 (LeCun et al. 1998) with a two-class output, as in the CDB paper's
# MNIST experiment; the backbone ends with the classifier, so the head only
# computes the loss.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5', num_classes=2),
    neck=None,
    head=dict(
        type='ClsHead',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
