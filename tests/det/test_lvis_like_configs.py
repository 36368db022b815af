"""The LVIS-like configs: each builds, each method config differs from the
CE config only by its method, the benchmark runner's method table matches
the configs, the large-size override retargets every part, and fine-tuning
starts from the pretrained detector with re-initialised class layers."""
import functools
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

import lt_plugins.det  # noqa: F401  (registers the plugin's components)
from mmdet.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', 'lvis_like')


from lt_plugins.benchmark import lvis_like as runner  # noqa: E402

#: Top-level keys each method may change with respect to the CE config.
METHOD_KEYS = {
    'ce': set(),
    'ce-cdb-split': {'train_dataloader'},
    'cdb-w-ce': {'model', 'train_dataloader', 'custom_hooks'},
    'cdb-w-ce-official': {'model', 'train_dataloader', 'custom_hooks'},
    'cdb-w-ce-cls': {'model', 'train_dataloader', 'custom_hooks',
                     'load_from', 'model_wrapper_cfg'},
    'rfs': {'train_dataloader', 'rfs_oversample_thr'},
    'seesaw': {'model'},
    'eqlv2': {'model'},
    'cdb-rfs': {'model', 'train_dataloader', 'custom_hooks',
                'rfs_oversample_thr'},
    'ce-cls': {'model', 'train_dataloader', 'custom_hooks', 'load_from',
               'model_wrapper_cfg'},
    'rfs-cdb-split': {'train_dataloader', 'rfs_oversample_thr'},
    'rfs_ce-cls': {'model', 'train_dataloader', 'custom_hooks', 'load_from',
                   'model_wrapper_cfg'},
    'rfs_cdb-w-ce-cls': {'model', 'train_dataloader', 'custom_hooks',
                         'load_from', 'model_wrapper_cfg'},
    'rfs_ce-cls_rfs-stage2': {'model', 'train_dataloader', 'custom_hooks',
                              'load_from', 'model_wrapper_cfg',
                              'rfs_oversample_thr'},
    'rfs_cdb-w-ce-cls_rfs-stage2': {'model', 'train_dataloader',
                                    'custom_hooks', 'load_from',
                                    'model_wrapper_cfg',
                                    'rfs_oversample_thr'},
    'cdb-w-ce-momentum': {'model', 'train_dataloader', 'custom_hooks'},
    'cdb-w-ce-floor': {'model', 'train_dataloader', 'custom_hooks'},
    'cdb-w-ce-cls-momentum': {'model', 'train_dataloader', 'custom_hooks',
                              'load_from', 'model_wrapper_cfg'},
    'cdb-w-ce-cls-floor': {'model', 'train_dataloader', 'custom_hooks',
                           'load_from', 'model_wrapper_cfg'},
    'cdb-w-ce-count': {'model', 'train_dataloader', 'custom_hooks'},
    'cdb-w-ce-cls-count': {'model', 'train_dataloader', 'custom_hooks',
                           'load_from', 'model_wrapper_cfg'},
    'ce-rfs-iters': {'max_epochs', 'train_cfg', 'param_scheduler'},
    'seesaw-rfs': {'model', 'train_dataloader', 'rfs_oversample_thr'},
    'seesaw-rfs-cdb-split': {'model', 'train_dataloader',
                             'rfs_oversample_thr'},
    'seesaw-cdb-split': {'model', 'train_dataloader'},
    'seesaw_ce-cls': {'model', 'train_dataloader', 'custom_hooks',
                      'load_from', 'model_wrapper_cfg'},
    'seesaw_cdb-w-ce-cls': {'model', 'train_dataloader', 'custom_hooks',
                            'load_from', 'model_wrapper_cfg'},
    'cdb-s': {'train_dataloader', 'custom_hooks', 'cdb_s_form',
              'rfs_oversample_thr'},
    'cdb-s-rfs-x-difficulty': {'train_dataloader', 'custom_hooks',
                               'cdb_s_form', 'rfs_oversample_thr'},
    'cdb-s-seesaw': {'model', 'train_dataloader', 'custom_hooks',
                     'cdb_s_form', 'rfs_oversample_thr'},
    'cdb-s-rotating-fold': {'train_dataloader', 'custom_hooks', 'cdb_s_form',
                            'rfs_oversample_thr', 'heldout_folds',
                            'fold_dataloader'},
}


@functools.lru_cache(maxsize=None)
def _cfg(name):
    # loading a config takes seconds: each is loaded once per session
    return Config.fromfile(osp.join(CONFIG_DIR, name))


@pytest.fixture(scope='module')
def ce_cfg():
    return _cfg(runner.METHODS['ce'].config)


def _train_set(cfg):
    ds = cfg.train_dataloader.dataset
    return ds.dataset if ds.type == 'ClassBalancedDataset' else ds


@pytest.mark.parametrize('method', list(runner.METHODS))
def test_method_config_changes_only_the_method(method, ce_cfg):
    assert set(METHOD_KEYS) == set(runner.METHODS)
    cfg = _cfg(runner.METHODS[method].config)
    changed = {k for k in set(cfg) | set(ce_cfg)
               if cfg.get(k) != ce_cfg.get(k)}
    assert changed == METHOD_KEYS[method]


@pytest.mark.parametrize('method', list(runner.METHODS))
def test_runner_method_table_matches_the_config(method):
    spec = runner.METHODS[method]
    cfg = _cfg(spec.config)
    loss = cfg.model.roi_head.bbox_head.loss_cls
    assert ('num_classes' in loss) == spec.loss_num_classes
    if spec.loss_num_classes:
        assert loss.num_classes == 100
    assert (cfg.train_dataloader.dataset.type == 'ClassBalancedDataset') \
        == spec.rfs
    assert _train_set(cfg).ann_file == 'annotations/' + \
        runner.TRAIN_FILES[spec.split]
    hooks = {h['type']: h for h in cfg.get('custom_hooks', [])}
    if spec.cdb_tau is None:
        assert 'CDBDifficultyHook' not in hooks
    else:
        hook = hooks['CDBDifficultyHook']
        assert hook['tau'] == spec.cdb_tau
        for key, value in spec.hook_options:
            assert hook[key] == value
        # the rotating fold measures on the training images
        assert hook['dataloader']['dataset']['ann_file'] == (
            'annotations/lvis_v0.5_train.json' if spec.rotating_fold else
            'annotations/lvis_v0.5_heldout.json')
        assert hook['dataloader']['dataset']['data_prefix'] == dict(
            img='train2017/')
        assert hook.get('rotating_fold', False) == spec.rotating_fold
    assert ('FreezeAllButHook' in hooks) == spec.freeze_cls
    if spec.rotating_fold:
        # the fixed split's loader, but on the training annotations; the
        # sampler's form that of the fixed-split CDB-S row
        chosen = _cfg('faster-rcnn_lvis-like_cdb-s-rfs-x-difficulty.py')
        held = chosen.custom_hooks[0]
        loader, fixed = hook['dataloader'], held['dataloader']
        assert {k for k in set(loader) | set(fixed)
                if loader.get(k) != fixed.get(k)} == {'dataset'}
        assert {k for k in set(loader.dataset) | set(fixed.dataset)
                if loader.dataset.get(k) != fixed.dataset.get(k)} == \
            {'ann_file'}
        assert cfg.train_dataloader.sampler.heldout_folds == 4
        assert cfg.train_dataloader.sampler.form == chosen.cdb_s_form \
            == 'rfs_x_difficulty'
    n = 874 if spec.split == 'full' else 670
    if spec.rfs:
        # LVIS' 1e-3 on ~57k images, scaled to this training split
        assert cfg.train_dataloader.dataset.oversample_thr == \
            pytest.approx(57 / n)
    sampler = cfg.train_dataloader.sampler
    assert (sampler.type == 'DifficultyRepeatFactorSampler') == spec.cdb_s
    if spec.cdb_s:
        assert sampler.oversample_thr == pytest.approx(57 / n)


def test_base_schedule_is_a_scaled_down_1x(ce_cfg):
    assert ce_cfg.train_cfg.max_epochs == 12
    steps = [s for s in ce_cfg.param_scheduler if s.type == 'MultiStepLR']
    assert steps[0].milestones == [8, 11]  # 2/3 and 11/12 of 12 epochs
    assert ce_cfg.val_dataloader is None and ce_cfg.val_cfg is None
    assert ce_cfg.test_evaluator.type == 'LVISPerCategoryMetric'
    assert ce_cfg.test_dataloader.dataset.ann_file == \
        'annotations/lvis_v0.5_val.json'
    assert len(ce_cfg.classes) == 100 and ce_cfg.classes[7] == 'cat_0007'
    pre = _cfg(runner.PRETRAIN_CONFIG)
    assert pre.load_from is None
    assert pre.train_dataloader.dataset.ann_file == \
        'annotations/balanced_pretrain.json'


@pytest.mark.parametrize('method', ['ce', 'seesaw', 'eqlv2', 'cdb-w-ce',
                                    'seesaw_cdb-w-ce-cls'])
def test_detector_builds_with_100_classes(method):
    cfg = _cfg(runner.METHODS[method].config)
    model = MODELS.build(cfg.model)
    head = model.roi_head.bbox_head
    # softmax heads: 100 classes + background; Seesaw adds an objectness
    # pair (C + 2)
    expected = 102 if method == 'seesaw' else 101
    assert head.fc_cls.out_features == expected
    assert head.fc_reg.out_features == 4 * 100
    # the stage 2 from Seesaw keeps its normalised classifier
    assert (type(head.fc_cls).__name__ == 'NormedLinear') == \
        method.startswith('seesaw')


def test_finetuning_reinitialises_only_the_class_layers(ce_cfg, tmp_path):
    torch.manual_seed(0)
    pretrained = MODELS.build(ce_cfg.model)
    pretrained.init_weights()
    src = tmp_path / 'epoch_12.pth'
    torch.save(dict(state_dict=pretrained.state_dict(), meta={}), str(src))
    dropped = runner.strip_class_layers(str(src), str(tmp_path / 'no.pth'))
    assert dropped == ['roi_head.bbox_head.fc_cls.bias',
                       'roi_head.bbox_head.fc_cls.weight',
                       'roi_head.bbox_head.fc_reg.bias',
                       'roi_head.bbox_head.fc_reg.weight']
    torch.manual_seed(1)
    model = MODELS.build(ce_cfg.model)
    model.init_weights()
    fresh_cls = model.roi_head.bbox_head.fc_cls.weight.detach().clone()
    load_checkpoint(model, str(tmp_path / 'no.pth'), map_location='cpu')
    new, old = model.state_dict(), pretrained.state_dict()
    for key in new:
        if key in dropped:
            continue
        assert torch.equal(new[key], old[key]), key
    assert torch.equal(model.roi_head.bbox_head.fc_cls.weight, fresh_cls)
    assert not torch.equal(fresh_cls,
                           old['roi_head.bbox_head.fc_cls.weight'])


class _LargeData:
    num_classes = 1230
    num_images = {'full': 26000, 'cdb': 24000}

    def rfs_threshold(self, split):
        return 57 / self.num_images[split]


# one config per branch of the override: RFS + CDB hook, frozen training
# with the hook, a loss with num_classes, the pretraining (loading a config
# takes seconds, so not all of them)
@pytest.mark.parametrize('method', ['cdb-rfs', 'cdb-w-ce-cls', 'seesaw',
                                    'cdb-w-ce-cls-momentum',
                                    'rfs_ce-cls_rfs-stage2',
                                    'cdb-s-rfs-x-difficulty',
                                    'cdb-s-rotating-fold', None])
def test_size_override_retargets_data_classes_and_losses(method, tmp_path):
    spec = runner.METHODS[method] if method else runner.Method(
        'pretrain', 'pretrain', config=runner.PRETRAIN_CONFIG)
    base = osp.join(CONFIG_DIR, spec.config)
    path = tmp_path / 'override.py'
    path.write_text(runner.size_override(spec, _LargeData(),
                                         'data/lvis_like_large', base))
    cfg = Config.fromfile(str(path))
    assert cfg.model.roi_head.bbox_head.num_classes == 1230
    if spec.loss_num_classes:
        assert cfg.model.roi_head.bbox_head.loss_cls.num_classes == 1230
    train = _train_set(cfg)
    for ds in (train, cfg.test_dataloader.dataset):
        assert ds.data_root == 'data/lvis_like_large/'
        assert len(ds.metainfo.classes) == 1230
    assert cfg.test_evaluator.ann_file == \
        'data/lvis_like_large/annotations/lvis_v0.5_val.json'
    assert train.ann_file == _train_set(_cfg(spec.config)).ann_file
    if spec.rfs:
        assert cfg.train_dataloader.dataset.oversample_thr == \
            pytest.approx(57 / _LargeData.num_images[spec.split])
    if spec.cdb_s:
        sampler = cfg.train_dataloader.sampler
        assert sampler.type == 'DifficultyRepeatFactorSampler'
        assert sampler.form == _cfg(spec.config).train_dataloader.sampler.form
        assert sampler.oversample_thr == \
            pytest.approx(57 / _LargeData.num_images[spec.split])
    hooks = {h['type']: h for h in cfg.get('custom_hooks', [])}
    if spec.cdb_tau is not None:
        held = hooks['CDBDifficultyHook']['dataloader']['dataset']
        assert held.data_root == 'data/lvis_like_large/'
        # the rotating fold measures on the training images
        assert held.ann_file == ('annotations/lvis_v0.5_train.json'
                                 if spec.rotating_fold else
                                 'annotations/lvis_v0.5_heldout.json')
        assert hooks['CDBDifficultyHook'].get('rotating_fold', False) == \
            spec.rotating_fold
        assert len(held.metainfo.classes) == 1230
        assert hooks['CDBDifficultyHook']['tau'] == spec.cdb_tau
        for key, value in spec.hook_options:
            assert hooks['CDBDifficultyHook'][key] == value
    assert ('FreezeAllButHook' in hooks) == spec.freeze_cls
