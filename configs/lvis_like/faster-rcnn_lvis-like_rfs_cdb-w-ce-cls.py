# CDB-W-CE-cls on top of RFS: the RFS detector trained on the CDB split
# (faster-rcnn_lvis-like_rfs-cdb-split.py), its fc_cls retrained with
# CDB-W-CE weights measured on the held-out split after every epoch,
# everything else frozen; stage 2 samples uniformly. Only the starting
# checkpoint differs from faster-rcnn_lvis-like_cdb-w-ce-cls.py.
# tools/run_lvis_like_benchmark.py passes the RFS checkpoint of the same
# training seed; the default below is seed 0.
_base_ = './faster-rcnn_lvis-like_cdb-w-ce-cls.py'

load_from = 'work_dirs/lvis_like_bench/rfs-cdb-split/seed0/epoch_12.pth'
