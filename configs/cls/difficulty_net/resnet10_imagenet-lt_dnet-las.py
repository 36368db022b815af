# Decoupled stage 2, LAS, on the Difficulty-Net stage-1 ResNet-10
# (ImageNet-LT, "Ours + LAS" in Table 2): label-aware smoothing 0.3 (head)
# to 0.0 (tail), the official stage-2 yaml's values; cRT schedule.
_base_ = ['./resnet10_imagenet-lt_dnet-crt.py']

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LabelAwareSmoothingLoss',
            num_classes=1000,
            smooth_head=0.3,
            smooth_tail=0.0,
            shape='concave')))
custom_hooks = [dict(type='ClassCountsHook')]
