"""Detection tests build components from mmdet's registries."""
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def mmdet_scope():
    """Build in mmdet's scope whatever scope earlier tests left current."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield
