"""Framework-free math shared by the detection and classification sides.

Nothing in this subpackage imports mmdet or mmpretrain.
"""
from .cdb_loss import (cdb_cross_entropy, cdb_sigmoid_focal_loss,
                       cdb_softmax_focal_loss, reduce_loss)
from .difficulty import (OPTION_RANGES, TAU_MODES, CDBWeights,
                         check_cdb_options, compute_cdb_weights,
                         dynamic_tau, performance_bias,
                         performance_ratio, performance_to_difficulty)

__all__ = [
    'OPTION_RANGES', 'TAU_MODES', 'CDBWeights', 'check_cdb_options',
    'compute_cdb_weights', 'dynamic_tau',
    'performance_bias', 'performance_ratio', 'performance_to_difficulty',
    'cdb_cross_entropy', 'cdb_softmax_focal_loss', 'cdb_sigmoid_focal_loss',
    'reduce_loss'
]
