"""tools/train.py builds the config exactly as mmdet's tools/train.py does."""
import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs/toy/faster-rcnn_toy-lvis_ce.py')


def _tool():
    spec = importlib.util.spec_from_file_location(
        'lt_train_tool', osp.join(REPO, 'tools/train.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_work_dir_cfg_options_and_resume_like_mmdet():
    tool = _tool()
    cfg = tool.build_cfg(tool.parse_args([CONFIG]))
    assert cfg.work_dir == './work_dirs/faster-rcnn_toy-lvis_ce'
    assert cfg.launcher == 'none' and not cfg.resume
    cfg = tool.build_cfg(tool.parse_args([
        CONFIG, '--work-dir', '/tmp/w', '--resume', '--cfg-options',
        'train_cfg.max_epochs=3', 'model.backbone.depth=34'
    ]))
    assert cfg.work_dir == '/tmp/w'
    assert cfg.train_cfg.max_epochs == 3 and cfg.model.backbone.depth == 34
    assert cfg.resume is True and cfg.load_from is None
    cfg = tool.build_cfg(tool.parse_args([CONFIG, '--resume', 'a/b.pth']))
    assert cfg.resume is True and cfg.load_from == 'a/b.pth'
    cfg = tool.build_cfg(tool.parse_args([CONFIG, '--auto-scale-lr']))
    assert cfg.auto_scale_lr.enable is True


def test_bad_config_path_and_amp_without_gpu_are_named():
    import torch
    tool = _tool()
    with pytest.raises(FileNotFoundError, match='nope.py'):
        tool.build_cfg(tool.parse_args(['nope.py']))
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match='--amp needs a GPU'):
            tool.build_cfg(tool.parse_args([CONFIG, '--amp']))
    else:
        cfg = tool.build_cfg(tool.parse_args([CONFIG, '--amp']))
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


def test_dynamo_cache_size_limit_variable_like_mmdet(monkeypatch):
    import torch._dynamo
    tool = _tool()
    before = torch._dynamo.config.cache_size_limit
    monkeypatch.setattr(torch._dynamo.config, 'cache_size_limit', before)
    tool.build_cfg(tool.parse_args([CONFIG]))
    assert torch._dynamo.config.cache_size_limit == before
    monkeypatch.setenv('DYNAMO_CACHE_SIZE_LIMIT', str(before + 3))
    tool.build_cfg(tool.parse_args([CONFIG]))
    assert torch._dynamo.config.cache_size_limit == before + 3
