"""CDB for classifiers: CDB-W-CE / CDB-W-FL losses, the CDB-S sampler and
the hook that measures class difficulty on a held-out split."""
from .cdb_cls_hook import CDBClsHook, per_class_accuracy
from .cdb_loss import CDBLoss
from .cdb_sampler import (CDBSampler, cdb_sampling_plan,
                          class_sampling_probs)

__all__ = [
    'CDBLoss', 'CDBSampler', 'CDBClsHook', 'cdb_sampling_plan',
    'class_sampling_probs', 'per_class_accuracy'
]
