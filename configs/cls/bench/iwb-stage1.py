# IWB stage 1 (Dang et al.): plain cross-entropy training with the paper's
# stage-1 optimiser (batch 64, SGD lr 0.01, momentum 0.9, weight decay 5e-3,
# cosine decay to 0 over the benchmark's epochs), as
# configs/cls/iwb/resnet32_cifar100-lt-r100_iwb-stage1.py. The recorder
# writes the per-class classifier norms to weight_norms.json (IWB Fig. 1).
_base_ = ['./_base_/size_default.py']

train_dataloader = dict(batch_size=64)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-3))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max={{_base_.max_epochs}},
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end={{_base_.max_epochs}},
        convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=64)

custom_hooks = [dict(type='WeightNormRecorderHook', interval=1)]
