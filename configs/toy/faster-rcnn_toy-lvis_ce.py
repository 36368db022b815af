# Toy Faster R-CNN on the generated toy LVIS v0.5 data (tools/make_toy_lvis.py):
# the LVIS CE baseline with what a 2-core CPU needs changed: a small ResNet-18
# (base width 16) trained from scratch (no checkpoint can be downloaded),
# 160 px images, lighter proposal settings, a short schedule.
_base_ = '../lvis/faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'

data_root = 'data/toy_lvis/'
classes = ('red_square', 'crimson_square', 'blue_circle', 'navy_circle',
           'green_triangle', 'olive_triangle', 'yellow_hexagon',
           'orange_diamond', 'cyan_pentagon', 'gray_cross', 'pink_ellipse',
           'brown_rectangle', 'teal_square', 'purple_star', 'white_cross',
           'black_circle', 'gold_star', 'magenta_hexagon', 'lime_diamond',
           'maroon_square')
metainfo = dict(classes=classes)
image_scale = (160, 160)
max_epochs = 6

model = dict(
    backbone=dict(
        depth=18,
        base_channels=16,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=20)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader
# mmdet's LVISMetric computed by the fast backend (same results; docs/detection.md)
val_evaluator = dict(
    type='FastLVISMetric',
    ann_file=data_root + 'annotations/lvis_v0.5_val.json')
test_evaluator = val_evaluator
heldout_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(
        data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=200),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[4, 5], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02))
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
log_processor = dict(window_size=25)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
