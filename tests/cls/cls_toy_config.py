"""Toy configs of the classification tests, pointed at generated data."""
import os.path as osp
import uuid

from mmengine.config import Config

TOY_CONFIG_DIR = osp.abspath(
    osp.join(osp.dirname(__file__), '..', '..', 'configs', 'cls', 'toy'))


def toy_config(toy_root, work_dir, config='toy_cifar10-lt_cdb-w-ce.py',
               heldout=10, shot_thr=(20, 5), **options) -> Config:
    """A toy config pointed at ``toy_root``.

    The defaults suit the 40-images-per-class ``toy_root`` fixture: 10
    held-out images per class (so 30 ... 1 training images, ratio 20) and
    shot thresholds many > 20, few < 5 so that all three groups are
    populated. ``shot_thr=None`` keeps the config's thresholds.
    """
    cfg = Config.fromfile(osp.join(TOY_CONFIG_DIR, config))
    root_keys = [
        'train_dataloader.dataset', 'val_dataloader.dataset',
        'test_dataloader.dataset', 'val_evaluator.train_dataset',
        'test_evaluator.train_dataset'
    ]
    if cfg.get('custom_hooks'):
        root_keys.append('custom_hooks.0.dataloader.dataset')
    opts = {}
    for key in root_keys:
        opts[f'{key}.data_root'] = toy_root
        opts[f'{key}.heldout_per_class'] = heldout
    for key in ('val_evaluator', 'test_evaluator'):
        if shot_thr is not None:
            opts[f'{key}.many_thr'], opts[f'{key}.few_thr'] = shot_thr
    opts.update(options)
    cfg.merge_from_dict(opts)
    cfg.work_dir = str(work_dir)
    cfg.launcher = 'none'
    # runners built in the same second would share logger/visualizer
    # instances (named after the timestamp) and write into each other's dirs
    cfg.experiment_name = f'{osp.splitext(config)[0]}_{uuid.uuid4().hex[:8]}'
    return cfg
