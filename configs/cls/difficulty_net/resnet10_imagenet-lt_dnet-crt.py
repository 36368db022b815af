# Decoupled stage 2, cRT, on the Difficulty-Net stage-1 ResNet-10
# (ImageNet-LT, "Ours + cRT" in Table 2). Official stage-2 settings
# (imagenet_resnet10_stage2.yaml): 10 epochs, SGD lr 0.05 momentum 0.9
# weight decay 2e-4, batch 128, cosine decay; encoder frozen, classifier
# re-trained from its stage-1 values under class-balanced sampling.
# Batch sizes are per process (mmengine), as in the stage-1 config: 32 per
# GPU x 4 GPUs = 128.
_base_ = [
    '../_base_/datasets/imagenet_lt.py',
    '../_base_/models/resnet10.py',
    '../_base_/default_runtime.py',
]

load_from = 'work_dirs/resnet10_imagenet-lt_difficulty-net/epoch_180.pth'

model = dict(type='FrozenEncoderClassifier', trainable=('head', ))
train_dataloader = dict(
    batch_size=32,  # x 4 GPUs = 128, as the official code
    sampler=dict(_delete_=True, type='CDBSampler', fixed_weights=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=2e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=10, eta_min=0.0, by_epoch=True,
         begin=0, end=10, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(enable=False, base_batch_size=128)
