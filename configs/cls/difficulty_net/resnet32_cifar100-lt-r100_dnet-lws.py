# Decoupled stage 2, LWS, on the Difficulty-Net stage-1 ResNet-32
# (CIFAR-100-LT r100, "Ours + LWS" in Table 1): encoder and linear
# classifier frozen, only the per-class logit scales are learnt; schedule
# and sampling of the cRT config.
_base_ = ['./resnet32_cifar100-lt-r100_dnet-crt.py']

model = dict(trainable=('head.scales', ), head=dict(type='LWSHead'))
