# faster-rcnn_lvis-like_ce-cls.py started from the Seesaw detector trained on
# the CDB split (faster-rcnn_lvis-like_seesaw-cdb-split.py). Seesaw's
# classifier has two more outputs (an objectness pair) than a softmax over
# the classes and background, so fc_cls cannot be carried over: it is
# re-initialised (tools/run_lvis_like_benchmark.py drops it from the starting
# checkpoint; loading this config's load_from leaves it at its initialisation
# with mmengine's shape-mismatch warning), keeps Seesaw's normalised linear form (NormedLinear,
# temperature 20) and is trained anew on the frozen Seesaw features, as
# cRT retrains a classifier. The CE-cls and CDB-W-CE-cls rows from Seesaw
# differ only by the loss and the hook.
_base_ = './faster-rcnn_lvis-like_ce-cls.py'

load_from = 'work_dirs/lvis_like_bench/seesaw-cdb-split/seed0/epoch_12.pth'
model = dict(
    roi_head=dict(
        bbox_head=dict(
            cls_predictor_cfg=dict(type='NormedLinear', tempearture=20))))
