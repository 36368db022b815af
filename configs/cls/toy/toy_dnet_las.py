# Decoupled stage 2, LAS (label-aware smoothing, Zhong et al., 2021), on a
# Difficulty-Net stage-1 checkpoint: encoder frozen, linear classifier
# re-trained with class-dependent label smoothing (head classes 0.4, tail
# 0.1, concave) under class-balanced sampling. The training class counts
# come from ClassCountsHook.
_base_ = ['./toy_dnet_crt.py']

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LabelAwareSmoothingLoss',
            num_classes=10,
            smooth_head=0.4,
            smooth_tail=0.1,
            shape='concave')))
custom_hooks = [dict(type='ClassCountsHook')]
