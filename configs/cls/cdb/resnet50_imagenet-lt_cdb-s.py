# CDB-S on ImageNet-LT: difficulty measured on the val split (20/class).
_base_ = ['./resnet50_imagenet-lt_ce.py']

train_dataloader = dict(sampler=dict(_delete_=True, type='CDBSampler'))

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        dataloader=dict(
            batch_size=256, num_workers=8,
            dataset={{_base_.heldout_dataset}})),
]
