# ResNet-32 of He et al. (2016) for 32x32 images (16-32-64 channels).
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR_Thin', depth=32),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
