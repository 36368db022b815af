# Decoupled stage 2, LWS, on the Difficulty-Net stage-1 ResNet-10
# (ImageNet-LT, "Ours + LWS" in Table 2): only the per-class logit scales
# are learnt; schedule and sampling of the cRT config.
_base_ = ['./resnet10_imagenet-lt_dnet-crt.py']

model = dict(trainable=('head.scales', ), head=dict(type='LWSHead'))
