#!/usr/bin/env python
"""Train the long-tailed classification benchmark grid and report it.

The benchmark itself (methods, how a run trains and evaluates, tables and
plots) is :mod:`lt_plugins.benchmark.cifar_lt`; the grid machinery it shares
with the LVIS-like benchmark is :mod:`lt_plugins.benchmark.grid`.

Examples::

    python tools/make_cifar_lt_bench.py                 # data/cifar_lt_bench
    python tools/run_cls_benchmark.py --dry-run         # the plan
    python tools/run_cls_benchmark.py                   # run / resume, report
    python tools/run_cls_benchmark.py --methods ce cdb-w-ce --seeds 0
    python tools/run_cls_benchmark.py --report-only
    python tools/run_cls_benchmark.py --size large      # papers' schedule
"""
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.benchmark.cifar_lt import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
