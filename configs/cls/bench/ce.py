# CE: plain cross-entropy with instance-balanced sampling, the baseline
# every other method of the benchmark is compared with (paired by seed).
_base_ = ['./_base_/size_default.py']
