#!/usr/bin/env python
"""Run (or resume) the LVIS-like benchmark grid and report it.

The benchmark itself (methods, how a run trains and tests, tables and plots)
is :mod:`lt_plugins.benchmark.lvis_like`; the grid machinery it shares with
the classification benchmark is :mod:`lt_plugins.benchmark.grid`.

Examples::

    python tools/run_lvis_like_benchmark.py                  # the whole grid
    python tools/run_lvis_like_benchmark.py --methods ce cdb-w-ce --seeds 0
    python tools/run_lvis_like_benchmark.py --dry-run        # print the plan
    python tools/run_lvis_like_benchmark.py --report-only    # table + plots
"""
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.benchmark.lvis_like import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
