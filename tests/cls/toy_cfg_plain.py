"""The toy classification configs as they are, pointed at generated data
(the ALA and IWB tests)."""
import os.path as osp
import uuid

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_CONFIGS = osp.join(REPO, 'configs', 'cls', 'toy')


def _set_data_root(node, root):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'data_root':
                node[key] = root
            else:
                _set_data_root(value, root)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _set_data_root(value, root)


def toy_cfg(name, data_root, work_dir):
    """A toy config pointed at generated data and a temporary work dir."""
    cfg = Config.fromfile(osp.join(TOY_CONFIGS, name))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'val_evaluator', 'test_evaluator'):
        _set_data_root(cfg[key], data_root)
    cfg.work_dir = work_dir
    # unique names: several runners live in one test process
    cfg.experiment_name = f'{osp.splitext(name)[0]}_{uuid.uuid4().hex[:8]}'
    cfg.default_hooks.logger.interval = 1
    return cfg
