#!/usr/bin/env python
"""Calibrate a generator argument of the classification benchmark data
against CE alone: data per rung, CE seed 0 trained and tested on it, the
results and ``calibration.md`` archived (:mod:`lt_plugins.benchmark.
calibration`).

Examples::

    # the default data's class gap: run the values in order
    python tools/calibrate_cls_bench.py class_gap 2.5 1.75 1.25 \\
        --out-dir docs/cls_bench/calibration
    # the g1 data's pixel noise: search for CE top-1 44.5
    python tools/calibrate_cls_bench.py pixel_noise 0.08 0.16 --target 44.5 \\
        --step 0.02 --bounds 0.02 0.9 --set group_size=1 \\
        --out-dir docs/cls_bench/g1/calibration
"""
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.benchmark.calibration import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
