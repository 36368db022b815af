# Difficulty-Net stage 1 on ImageNet-LT, ResNet-10 ("Ours" in Table 2).
# Settings of the official code (ImageNet_Places-LT/config/imagenet/
# imagenet_resnet10_stage1.yaml): D = MLP 1000-1024-1024-1000 with sigmoid,
# lambda 0.3, Adam lr 1e-3 weight decay 1e-4; classifier SGD (Nesterov)
# lr 0.05 momentum 0.9 weight decay 5e-4, batch 128, 180 epochs with cosine
# decay; the ImageNet-LT val split (20 per class) is the meta set and the
# per-class accuracy split. Plain CE (the yaml's bal_softmax is the
# "+ Bal. Softmax" row, not "Ours").
# Batch sizes are per process (mmengine): 32 training + 32 meta images per
# GPU, x 4 GPUs = 128 + 128 per iteration, the official totals. On N GPUs
# set both to 128 / N (see docs/difficulty_net.md).
_base_ = [
    '../_base_/datasets/imagenet_lt.py',
    '../_base_/models/resnet10.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='DifficultyNetClassifier',
    difficulty_net=dict(type='DifficultyNet', hidden_dim=1024),
    driver_loss_weight=0.3,
    meta_grad=True,
    meta_grad_impl='forward_ad')

train_dataloader = dict(batch_size=32)  # x 4 GPUs = 128, as the official code

optim_wrapper = dict(
    constructor='DifficultyNetOptimWrapperConstructor',
    classifier=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4,
                       nesterov=True)),
    difficulty_net=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4)))
param_scheduler = dict(
    classifier=[
        dict(type='CosineAnnealingLR', T_max=180, by_epoch=True, begin=0,
             end=180, convert_to_iter_based=True),
    ],
    difficulty_net=[])
train_cfg = dict(by_epoch=True, max_epochs=180, val_interval=5)
val_cfg = dict()
test_cfg = dict()
# the classifier's lr is for 128 images in total (4 x 32); --auto-scale-lr
# scales it, D's lr is kept (DifficultyNetHook)
auto_scale_lr = dict(enable=False, base_batch_size=128)

custom_hooks = [
    dict(
        type='DifficultyNetHook',
        interval=1,
        meta_dataloader=dict(
            batch_size=32,  # per process, as the training batch
            num_workers=8,
            dataset={{_base_.heldout_dataset}},
            sampler=dict(type='DefaultSampler', shuffle=True))),
]
model_wrapper_cfg = dict(type='DifficultyNetDDP')
