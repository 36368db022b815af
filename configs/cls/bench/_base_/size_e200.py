# The default size (size_default.py: the half-width ResNet-32, batch 128,
# SGD lr 0.1) trained for 200 epochs instead of 15, the papers' length, for
# the schedule sweep of the classification benchmark (docs/classification.md,
# "Schedule sweep"): size_e60.py's shape and held-out checkpoint selection
# (its HeldOutSelectionHook comes along as a default hook) at 200 epochs, lr
# x0.01 after epochs 160 and 180 (the papers' steps), a 5-epoch linear
# warm-up, deferred re-weighting from the first step and the CDB warm-up
# variant's CE third scaled alike. tools/run_cls_benchmark.py --size e200
# runs every method config on this base.
_base_ = ['./size_e60.py']

max_epochs = 200
warmup_epochs = 5
lr_steps = [160, 180]
drw_epoch = 160
cdb_warmup_epochs = max_epochs // 3
history_ckpt_interval = 10

# the schedule again: a base's values are fixed when the base is read
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=lr_steps, gamma=0.01),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
