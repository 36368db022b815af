# tau-normalisation (Kang et al., "Decoupling Representation and Classifier
# for Long-Tailed Recognition", ICLR 2020): test a trained CE model with
# class weights w_c / ||w_c||^tau (tau = 1, no bias, as the authors' code).
# Nothing is trained; the head's fc parameters are those of the CE model:
#   python tools/test.py \
#       configs/cls/baselines/resnet32_cifar100-lt-r100_tau-norm.py \
#       work_dirs/resnet32_cifar100-lt-r100_ce/epoch_200.pth
# Kang et al. choose tau on a validation split; override it with
#   --cfg-options model.head.tau=0.7
_base_ = ['../cdb/resnet32_cifar100-lt-r100_ce.py']

model = dict(head=dict(type='TauNormClsHead', tau=1.0, keep_bias=False))
