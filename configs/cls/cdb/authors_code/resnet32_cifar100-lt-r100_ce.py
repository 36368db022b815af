# CE on CIFAR-100-LT r100 as the CDB authors' code trains it
# (CIFAR-LT/cifar_train.py in their CDB-loss repository), not as the paper's
# text describes it (that is ../resnet32_cifar100-lt-r100_ce.py, inherited
# here). What differs, each from cifar_train.py:
#   * 25 held-out images per class (args.val_samples_per_class = 25), taken
#     before the imbalance, so n_max = 475 instead of 450;
#   * batch 32 (--batch_size default, one GPU);
#   * SGD lr 0.1, momentum 0.9, weight decay 5e-4 on every parameter but the
#     classifier bias (decay 0);
#   * 240 epochs, lr x0.01 after epochs 160 and 210, no warm-up;
#   * the classifier is a fresh nn.Linear (PyTorch's default weight init)
#     with its bias filled with -log((1 - pi) / pi), pi = 1 / C;
#   * inputs normalised with the ImageNet mean / std (transforms.Normalize);
#   * the checkpoint with the best mean held-out accuracy, measured after
#     every epoch, is kept and tested (HeldOutSelectionHook).
# Not reproduced: their held-out images are the last 25 of each class in
# file order and the training images the first n_c of the rest (here a
# seeded permutation); their cifar_test.py normalises the test images with
# other statistics (0.4914, 0.4822, 0.4465) / (0.2023, 0.1994, 0.2010)
# than training (here one normalisation throughout); their ResNet-32
# (models/resnet.py) was not available to compare, so its shortcut type and
# conv init may differ from this one's (option-B shortcuts and mmpretrain's
# Kaiming init, see ResNet_CIFAR_Thin).
_base_ = ['../resnet32_cifar100-lt-r100_ce.py']

heldout_per_class = 25
train_dataset = dict(_base_.train_dataset, heldout_per_class=heldout_per_class)
heldout_dataset = dict(_base_.heldout_dataset,
                       heldout_per_class=heldout_per_class)

# transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
# on [0, 1] images, in 0-255 units
data_preprocessor = dict(mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375])

# -log((1 - pi) / pi) with pi = 1 / 100, i.e. -log(99); the weight keeps
# PyTorch's nn.Linear default, kaiming_uniform_(a=sqrt(5)), fan_in
classifier_bias = -4.59511985013459
model = dict(
    head=dict(
        init_cfg=dict(
            type='Kaiming',
            layer='Linear',
            a=2.23606797749979,  # sqrt(5)
            mode='fan_in',
            nonlinearity='leaky_relu',
            distribution='uniform',
            bias=classifier_bias)))

train_dataloader = dict(batch_size=32, dataset=train_dataset)
val_dataloader = dict(dataset=dict(heldout_per_class=heldout_per_class))
test_dataloader = dict(dataset=dict(heldout_per_class=heldout_per_class))
val_evaluator = dict(train_dataset=train_dataset)
test_evaluator = dict(train_dataset=train_dataset)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    # cifar_train.py: weight_decay 0 for 'module.linear.bias' only
    paramwise_cfg=dict(custom_keys={'head.fc.bias': dict(decay_mult=0.0)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[160, 210],
         gamma=0.01),
]
train_cfg = dict(max_epochs=240)
auto_scale_lr = dict(base_batch_size=32)

selection_hook = dict(
    type='HeldOutSelectionHook',
    interval=1,
    test_selected=True,
    dataloader=dict(batch_size=256, num_workers=2, dataset=heldout_dataset))
custom_hooks = [selection_hook]
