# Balanced Softmax (Ren et al., "Balanced Meta-Softmax for Long-Tailed
# Visual Recognition", NeurIPS 2020): CE on f(x) + log(n_c). The CE baseline
# of the CDB configs with only the loss changed (same images, same
# schedule); prediction uses the plain logits.
_base_ = ['../cdb/resnet32_cifar100-lt-r100_ce.py']

model = dict(head=dict(loss=dict(_delete_=True, type='BalancedSoftmaxLoss',
                                 num_classes=100)))
custom_hooks = [dict(type='ClassCountsHook')]
