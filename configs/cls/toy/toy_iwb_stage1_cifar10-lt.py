# IWB stage 1 on the toy long-tailed CIFAR-10 (python tools/make_toy_cifar.py
# --out data/toy_cifar): plain CE, as the CE toy, plus the recorder of the
# per-class classifier weight norms (work_dir/weight_norms.json).
_base_ = ['./toy_cifar10-lt_ce.py']

custom_hooks = [dict(type='WeightNormRecorderHook')]
