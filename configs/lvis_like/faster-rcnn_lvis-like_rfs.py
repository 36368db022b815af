# Repeat factor sampling (RFS; Gupta et al., LVIS, 2019) with mmdet's
# ClassBalancedDataset: an image is repeated max(1, sqrt(t / f_c)) times per
# epoch for its rarest category c, f_c being the fraction of training images
# that hold c. LVIS uses t = 1e-3 on about 57k training images (mmdet's
# configs/lvis: LVIS v0.5 is half the size of COCO's 118k), so categories in
# fewer than ~57 images are repeated. On this set's 874 training images
# t = 1e-3 would repeat nothing (every f_c >= 1/874 > 1e-3), so t is scaled
# by the size ratio: t = 57 / 874, and a category in k images gets the repeat
# factor it would get with k images in LVIS. Only the sampling differs from
# CE.
_base_ = './faster-rcnn_lvis-like_base.py'

rfs_oversample_thr = 57 / 874
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=rfs_oversample_thr,
        dataset={{_base_.train_dataloader.dataset}}))
