# CE-cls on top of RFS: the RFS detector trained on the CDB split
# (faster-rcnn_lvis-like_rfs-cdb-split.py), its fc_cls retrained with plain
# CE, everything else frozen; stage 2 samples uniformly. The pair of
# faster-rcnn_lvis-like_rfs_cdb-w-ce-cls.py (only the loss and the hook
# differ). tools/run_lvis_like_benchmark.py passes the RFS checkpoint of the
# same training seed; the default below is seed 0.
_base_ = './faster-rcnn_lvis-like_ce-cls.py'

load_from = 'work_dirs/lvis_like_bench/rfs-cdb-split/seed0/epoch_12.pth'
