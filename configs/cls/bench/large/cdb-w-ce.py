# CDB-W-CE (Sinha et al., CDB paper eq. 12): the CE baseline with the
# class-difficulty weighted loss; the hook measures per-class accuracy on the
# held-out split after every epoch (paper defaults: tau 'sigmoid', T_M 5).
_base_ = ['../_base_/size_large.py']

model = dict(
    head=dict(loss=dict(_delete_=True, type='CDBLoss', num_classes=100)))

# the hook with the paper's defaults; the robust variants (cdb-w-ce-*.py)
# change one of its options
cdb_hook = dict(
    type='CDBClsHook',
    interval=1,
    tau='sigmoid',
    dataloader=dict(
        batch_size=256,
        num_workers={{_base_.num_workers}},
        dataset={{_base_.heldout_dataset}}))
custom_hooks = [cdb_hook]
