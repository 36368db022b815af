# LVIS v0.5 data, 1x schedule and runtime shared by the lt_plugins LVIS
# detector configs (the schedule of the CDB paper, section 4.2.2): 12 epochs,
# SGD lr 0.01 momentum 0.9 weight decay 1e-4, steps at epochs 8 and 11, linear
# warm-up, gradient clipping. The initialisation is the model config's
# (ImageNet backbone); the paper fine-tunes a COCO-trained detector, see the
# *_coco-init.py configs. Data in data/lvis_v0.5/ with the standard file names
# (annotations/lvis_v0.5_{train,val}.json, train2017/, val2017/).
_base_ = [
    'mmdet::_base_/datasets/lvis_v0.5_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]
# lt_plugins.det also applies the lvis/numpy and torch.load fixes
custom_imports = dict(imports=['lt_plugins.det'], allow_failed_imports=False)

data_root = 'data/lvis_v0.5/'
backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
# plain instance sampling (mmdet's LVIS default wraps the data set in repeat
# factor sampling, which is a different method)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LVISV05Dataset',
        data_root=data_root,
        ann_file='annotations/lvis_v0.5_train.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
# FastLVISMetric: mmdet's LVISMetric keys and outputs, the lvis API's numbers
# from faster-coco-eval's C++ core (docs/detection.md, "Fast LVIS
# evaluation"); type='LVISMetric' gives mmdet's own
val_evaluator = dict(
    type='FastLVISMetric',
    ann_file=data_root + 'annotations/lvis_v0.5_val.json', metric='bbox')
test_evaluator = val_evaluator
# rank 0 evaluates while the other ranks wait in a collective: NCCL's default
# 10-minute timeout is shorter than an LVIS evaluation with the lvis API
# (v1 val: about 20 minutes on one core)
env_cfg = dict(dist_cfg=dict(backend='nccl', timeout=7200))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))
# lr 0.01 for 4 GPUs x 2 images
auto_scale_lr = dict(enable=False, base_batch_size=8)

# Held-out split for CDB's difficulty measurement, cut from the training set
# with tools/make_lvis_heldout.py (only used by the CDB configs).
heldout_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='LVISV05Dataset',
        data_root=data_root,
        ann_file='annotations/lvis_v0.5_heldout.json',
        data_prefix=dict(img='train2017/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
