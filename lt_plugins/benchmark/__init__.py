"""Benchmark grids: many methods x training seeds, resumable, archived next
to their report, compared over seeds with their spread.

* :mod:`~lt_plugins.benchmark.grid`: the plan, the run loop (locks, resume,
  failures, dependencies between runs) and the archive, shared by every
  benchmark;
* :mod:`~lt_plugins.benchmark.stats`: mean ± std over seeds and paired
  differences;
* :mod:`~lt_plugins.benchmark.report`: formatting shared by the reports;
* :mod:`~lt_plugins.benchmark.lvis_like` and
  :mod:`~lt_plugins.benchmark.cifar_lt`: the two benchmarks (their methods,
  how one run trains and is evaluated, their tables and plots), run by
  ``tools/run_lvis_like_benchmark.py`` and ``tools/run_cls_benchmark.py``.

The benchmarks run from a checkout: their configs, data and work folders are
named relative to it (:data:`~lt_plugins.benchmark.grid.REPO`). Nothing here
imports mmdet or mmpretrain at module level.
"""
