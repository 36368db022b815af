# Decoupled stage 2, LWS (Kang et al., 2020), on a Difficulty-Net stage-1
# checkpoint: encoder and linear classifier frozen, only the per-class logit
# scales (LWSHead.scales, initialised to 1) are learnt, with class-balanced
# sampling.
_base_ = ['./toy_dnet_crt.py']

model = dict(
    trainable=('head.scales', ),
    head=dict(type='LWSHead'))
