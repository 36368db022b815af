# MNIST schedule of the CDB paper (sec. 4.1): LeNet-5, 100 epochs, batch 100,
# SGD lr 0.001, momentum 0.9, weight decay 5e-4 (no lr decay is given).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=5e-4))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
# off by default; `tools/train.py --auto-scale-lr` scales lr by
# (GPUs x batch_size) / 100
auto_scale_lr = dict(enable=False, base_batch_size=100)
