# Difficulty-Net + LAS (Table 1 "Ours + LAS"): the decoupled second stage of
# crt.py on the Difficulty-Net stage-1 checkpoint, with label-aware
# smoothing (MiSLAS; the official stage-2 code's 0.4 for the head to 0.1 for
# the tail at imbalance 100, concave) instead of CE, as
# configs/cls/difficulty_net/resnet32_cifar100-lt-r100_dnet-las.py.
# load_from: the difficulty-net.py checkpoint of the same seed (set by the
# benchmark runner).
_base_ = ['./crt.py']

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
