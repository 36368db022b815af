# The CE baseline: the base config unchanged (softmax cross-entropy,
# the full long-tailed training set).
_base_ = './faster-rcnn_lvis-like_base.py'
