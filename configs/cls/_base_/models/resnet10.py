# ResNet-10 (one basic block per stage), the ImageNet-LT backbone of OLTR/CDB.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet10', depth=10, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
