"""Shared fixtures of the classification tests."""
import pytest

from lt_plugins.data.toy_cifar import generate_toy_cifar


@pytest.fixture(scope='session')
def toy_root(tmp_path_factory):
    """Toy CIFAR-10: 40 training and 2 test images per class."""
    return generate_toy_cifar(str(tmp_path_factory.mktemp('toy_cifar')),
                              'cifar10', train_per_class=40,
                              test_per_class=2)


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    """Build in mmpretrain's scope whatever scope earlier tests left
    current (the detection tests run in mmdet's)."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
