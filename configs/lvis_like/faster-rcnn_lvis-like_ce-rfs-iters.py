# CE trained for as many iterations as RFS: RFS's repeated data set gives
# about 494 iterations per epoch against CE's 219 (docs/lvis_like_benchmark.md),
# so RFS trains 2.26x the iterations of CE in its 12 epochs. This run trains
# CE for 27 epochs (27 x 219 = 5913 iterations against RFS's 12 x 494 = 5928)
# with the same schedule shape (lr x0.1 at 2/3 and at 11/12 of the epochs:
# 18 and 25), so RFS's margin over CE separates into the re-sampling and the
# training length. Only the schedule differs from faster-rcnn_lvis-like_ce.py.
_base_ = './faster-rcnn_lvis-like_ce.py'

max_epochs = 27
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=200),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[18, 25], gamma=0.1)
]
