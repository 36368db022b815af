# tau-normalisation (Kang et al., ICLR 2020): the CE model's classifier
# with class weights w_c / ||w_c||^tau, tau = 1, no bias (the authors'
# code); nothing is trained. The benchmark runner evaluates the CE
# checkpoint of the same seed with this config, as
# configs/cls/baselines/resnet32_cifar100-lt-r100_tau-norm.py. (Kang et al.
# pick tau on a validation split; the benchmark keeps 1 and tunes nothing.)
_base_ = ['../_base_/size_large.py']

model = dict(head=dict(type='TauNormClsHead', tau=1.0, keep_bias=False))
