# ImageNet-LT schedule of the CDB paper (sec. 4.1): 100 epochs, batch 512,
# SGD momentum 0.9, weight decay 5e-4, lr 0.2 with cosine decay.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=100, by_epoch=True, begin=0,
         end=100, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()
# the configs set batch_size=128 per process, i.e. 512 on 4 GPUs; on another
# number of GPUs `tools/train.py --auto-scale-lr` scales lr by
# (GPUs x batch_size) / 512
auto_scale_lr = dict(enable=False, base_batch_size=512)
