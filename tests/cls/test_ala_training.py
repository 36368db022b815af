"""ALA toy training with a real mmengine Runner (cosine head + ALA loss)."""
import os.path as osp

import numpy as np
import torch
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.ala import quantity_factor
from lt_plugins.cls.class_counts import dataset_class_counts
from toy_cfg_plain import toy_cfg


def test_toy_ala_training_gets_counts_and_saves_them(toy_root, tmp_path):
    cfg = toy_cfg('toy_ala_cifar10-lt.py', toy_root, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    start = runner.model.head.weight.detach().clone()
    runner.train()

    counts = dataset_class_counts(runner.train_dataloader.dataset)
    assert counts.min() < counts.max()  # long-tailed
    loss_module = runner.model.head.loss_module
    assert loss_module.class_counts.tolist() == counts.tolist()
    assert torch.allclose(loss_module.quantity_factor(),
                          quantity_factor(counts))
    # epoch 1 (0-based) is the last one and DRW starts there
    assert runner.message_hub.get_info('epoch') == 1
    assert loss_module.drw_active()
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert np.isfinite(loss)
    assert not torch.equal(runner.model.head.weight.detach(), start)

    # the counts are saved with the checkpoint (a buffer of the loss)
    ckpt = torch.load(osp.join(str(tmp_path), 'epoch_2.pth'),
                      map_location='cpu',
                      weights_only=False)
    assert ckpt['state_dict']['head.loss_module.class_counts'].tolist() == \
        counts.tolist()
