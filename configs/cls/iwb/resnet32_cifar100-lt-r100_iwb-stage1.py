# IWB stage 1 (Dang et al.) on CIFAR-100-LT, imbalance ratio 100: plain
# cross-entropy training of ResNet-32 and its linear classifier. Paper
# settings: batch 64, lr 0.01, weight decay 5e-3, 200 epochs, cosine decay
# to 0 (SGD momentum 0.9 assumed; the paper does not say). The long tail is
# drawn from all 500 images per class (10.8k images), nothing held out.
# Stage 2: resnet32_cifar100-lt-r100_iwb-stage2.py.
_base_ = [
    '../_base_/models/resnet32_cifar.py',
    '../_base_/datasets/cifar100_lt.py',
    '../_base_/default_runtime.py',
]

_full = dict(heldout_per_class=0)
train_dataloader = dict(batch_size=64, dataset=_full)
val_dataloader = dict(dataset=_full)
test_dataloader = val_dataloader
val_evaluator = dict(train_dataset=_full)
test_evaluator = dict(train_dataset=_full)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=200, eta_min=0.0, by_epoch=True,
         begin=0, end=200, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(enable=False, base_batch_size=64)

# per-class classifier norms -> work_dir/weight_norms.json (IWB Figs. 1, 3)
custom_hooks = [dict(type='WeightNormRecorderHook', interval=10)]
