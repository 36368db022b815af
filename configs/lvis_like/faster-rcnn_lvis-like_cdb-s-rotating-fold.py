# CDB-S for detection with the rotating held-out fold, on the whole training
# set: the 874 training images are split into 4 folds (a fold as large as the
# fixed held-out split, 204 images), epoch e trains on the other three and
# the difficulty hook measures per-category AP on fold e mod 4 after the
# epoch, so every image trains in 3 of every 4 epochs instead of the 204
# held-out images never training. Differs from faster-rcnn_lvis-like_ce.py
# (the CE baseline on the whole training set) only by the sampler and the
# hook; the sampler's form is the one chosen on the development data
# (faster-rcnn_lvis-like_cdb-s-rfs-x-difficulty.py), its RFS threshold
# scaled to 874 images as in faster-rcnn_lvis-like_rfs.py. The hook reads the training images with the
# held-out split's test pipeline and loader settings.
_base_ = './faster-rcnn_lvis-like_ce.py'

cdb_s_form = 'rfs_x_difficulty'
rfs_oversample_thr = 57 / 874
heldout_folds = 4
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='DifficultyRepeatFactorSampler',
        form=cdb_s_form,
        oversample_thr=rfs_oversample_thr,
        heldout_folds=heldout_folds))

fold_dataloader = dict(
    batch_size={{_base_.heldout_dataloader.batch_size}},
    num_workers={{_base_.heldout_dataloader.num_workers}},
    persistent_workers={{_base_.heldout_dataloader.persistent_workers}},
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='LVISV05Dataset',
        data_root={{_base_.data_root}},
        metainfo={{_base_.metainfo}},
        ann_file='annotations/lvis_v0.5_train.json',
        data_prefix=dict(img='train2017/'),
        test_mode=True,
        pipeline={{_base_.heldout_dataloader.dataset.pipeline}},
        backend_args=None))

custom_hooks = [
    dict(
        type='CDBDifficultyHook',
        dataloader=fold_dataloader,
        metric='bbox',
        interval=1,
        tau='sigmoid',
        rotating_fold=True)
]
