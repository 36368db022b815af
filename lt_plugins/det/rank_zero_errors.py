"""A metric whose failure on rank 0 ends every rank.

mmengine's ``BaseMetric.evaluate`` gathers the predictions on rank 0, computes
the metric there and broadcasts the result; the other ranks wait in the
broadcast. When ``compute_metrics`` raises on rank 0 (a broken annotation
file, a bug in an evaluation library), rank 0 leaves and the other ranks wait
in the collective until the process group's timeout (torch's defaults: 30
minutes for gloo, 10 minutes for NCCL; ``dist_cfg=dict(timeout=...)`` sets
it), and then fail with a timeout that does not say what went wrong on rank
0. :class:`RankZeroErrorsMixin` broadcasts the outcome either way,
so every rank raises, rank 0 with the original exception and the others with
its message and rank 0's traceback.
"""
import logging
import traceback
from typing import Optional

from mmengine.dist import (broadcast_object_list, collect_results,
                           is_main_process)
from mmengine.evaluator.metric import _to_cpu
from mmengine.logging import print_log


class MetricFailedOnRankZero(RuntimeError):
    """Raised on the other ranks when rank 0's metric computation failed."""


class RankZeroErrorsMixin:
    """``evaluate()`` of ``BaseMetric`` that ends every rank on an error.

    Put it before the metric base class: ``class M(RankZeroErrorsMixin,
    LVISMetric)``. Apart from the error path it does what
    ``BaseMetric.evaluate`` does (collect on rank 0, compute, prefix the
    names, broadcast, clear ``self.results``).
    """

    def evaluate(self, size: int) -> dict:
        """Collect the results of every rank, compute the metrics on rank 0
        and return them on every rank.

        Args:
            size (int): Length of the whole evaluated data set (padding added
                by the sampler is dropped).

        Returns:
            dict: The metrics, prefixed with ``self.prefix``.

        Raises:
            Exception: On rank 0, whatever ``compute_metrics`` raised;
                :class:`MetricFailedOnRankZero` on the other ranks.
        """
        if len(self.results) == 0:
            print_log(f'{type(self).__name__} got empty `self.results`',
                      logger='current', level=logging.WARNING)
        if self.collect_device == 'cpu':
            results = collect_results(self.results, size, self.collect_device,
                                      tmpdir=self.collect_dir)
        else:
            results = collect_results(self.results, size, self.collect_device)
        error: Optional[BaseException] = None
        if is_main_process():
            try:
                metrics = self.compute_metrics(_to_cpu(results))
                if self.prefix:
                    metrics = {f'{self.prefix}/{k}': v
                               for k, v in metrics.items()}
                payload = [('ok', metrics)]
            except Exception as e:  # reported to every rank, then re-raised
                error = e
                payload = [('error', f'{type(e).__name__}: {e}',
                            traceback.format_exc())]
        else:
            payload = [None]
        broadcast_object_list(payload)
        self.results.clear()
        status, *detail = payload[0]
        if status == 'ok':
            return detail[0]
        if error is not None:
            raise error
        message, trace = detail
        raise MetricFailedOnRankZero(
            f'{type(self).__name__} failed on rank 0: {message}\n'
            f'rank 0 traceback:\n{trace}')
