# CDB-S (Sinha et al., CDB paper sec. 3.3): the CE baseline with the
# class-difficulty based sampler; the hook measures per-class accuracy on the
# held-out split after every epoch.
_base_ = ['./_base_/size_default.py']

train_dataloader = dict(sampler=dict(_delete_=True, type='CDBSampler'))

custom_hooks = [
    dict(
        type='CDBClsHook',
        interval=1,
        tau='sigmoid',
        dataloader=dict(
            batch_size=256,
            num_workers={{_base_.num_workers}},
            dataset={{_base_.heldout_dataset}})),
]
