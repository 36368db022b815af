# CIFAR-LT schedule of the CDB paper (sec. 4.1, following Cui et al. 2019):
# ResNet-32, 200 epochs, batch 128, SGD momentum 0.9, weight decay 1e-4,
# lr 0.1 scaled down after epochs 160 and 180 (by 0.01 each, as Cui et al.),
# with the usual 5-epoch linear warm-up of the LDAM/CB code.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[160, 180],
         gamma=0.01),
]
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()
# off by default; `tools/train.py --auto-scale-lr` scales lr by
# (GPUs x batch_size) / 128, e.g. 0.4 for 4 GPUs x 128
auto_scale_lr = dict(enable=False, base_batch_size=128)
