# Decoupled stage 2, LAS (MiSLAS label-aware smoothing), on the
# Difficulty-Net stage-1 ResNet-32 (CIFAR-100-LT r100, "Ours + LAS" in
# Table 1): the official stage-2 code's smoothing for imbalance 100 is
# 0.4 (head) to 0.1 (tail); classifier re-trained as in the cRT config.
_base_ = ['./resnet32_cifar100-lt-r100_dnet-crt.py']

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LabelAwareSmoothingLoss',
            num_classes=100,
            smooth_head=0.4,
            smooth_tail=0.1,
            shape='concave')))
custom_hooks = [dict(type='ClassCountsHook')]
