"""Shared fixtures: the toy LVIS data set, generated once per test session."""
import os
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# keep the 2-core CI machine responsive; each test process uses one thread
os.environ.setdefault('OMP_NUM_THREADS', '1')


@pytest.fixture(scope='session')
def toy_lvis(tmp_path_factory):
    """A small toy LVIS v0.5 data set: 80 train / 40 val images of 64 px.

    Category counts are scaled by 0.15, so the frequency groups differ from
    the full toy set (they are recomputed from the actual counts).
    """
    from lt_plugins.data.toy_lvis import generate_toy_lvis
    root = str(tmp_path_factory.mktemp('toy_lvis'))
    paths = generate_toy_lvis(root, num_train_images=80, num_val_images=40,
                              image_size=64, val_images_per_category=(4, 6,
                                                                      10),
                              seed=0, count_scale=0.15)
    return dict(root=root, **paths)


@pytest.fixture(scope='session')
def toy_lvis_v1(tmp_path_factory):
    """The ``toy_lvis`` data set written in the LVIS v1 format.

    Same images, annotations and categories as ``toy_lvis``; image records
    carry ``coco_url`` instead of ``file_name``, the files lie where mmdet's
    ``LVISV1Dataset`` looks for them (every fourth validation image in
    ``train2017/``), and the annotation files are
    ``annotations/lvis_v1_{train,val}.json``.
    """
    from lt_plugins.data.toy_lvis import generate_toy_lvis
    root = str(tmp_path_factory.mktemp('toy_lvis_v1'))
    paths = generate_toy_lvis(root, num_train_images=80, num_val_images=40,
                              image_size=64, val_images_per_category=(4, 6,
                                                                      10),
                              seed=0, count_scale=0.15, version='v1')
    return dict(root=root, **paths)
