# Toy CDB-S: the toy CE config with the CDB sampler and the difficulty hook.
_base_ = ['./toy_cifar10-lt_ce.py']

train_dataloader = dict(sampler=dict(_delete_=True, type='CDBSampler'))

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        dataloader=dict(
            batch_size=100, num_workers=0,
            dataset={{_base_.heldout_dataset}})),
]
