"""An LVIS evaluation that fails on rank 0 ends every rank (two gloo
processes under torchrun on the CPU).

mmengine computes a metric on rank 0 and broadcasts it; without the
broadcast of the failure, rank 1 would wait in that broadcast until the
process group's timeout. This file is also the worker that torchrun starts.
"""
import datetime
import json
import os
import os.path as osp
import subprocess
import sys

from tests.ddp_launch import free_port

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# a hang shows up as the group's timeout (then the test fails on the error
# type) or as the subprocess timeout
GROUP_TIMEOUT_S = 60


def _evaluate(metric_type, ann_file, images, rank, fail):
    """One evaluation: each rank predicts one image; with ``fail``, rank 1's
    image is not in the annotation file, which rank 0's evaluation
    refuses."""
    import torch
    from mmdet.registry import METRICS

    from lt_plugins.data.toy_lvis import TOY_CLASSES
    metric = METRICS.build(dict(type=metric_type, ann_file=ann_file))
    metric.dataset_meta = dict(classes=TOY_CLASSES)
    img = images[rank]
    metric.process({}, [dict(
        img_id=10**9 if fail and rank == 1 else img['id'],
        ori_shape=(img['height'], img['width']),
        pred_instances=dict(bboxes=torch.tensor([[2.0, 2.0, 30.0, 30.0]]),
                            scores=torch.tensor([0.9]),
                            labels=torch.tensor([0])))])
    try:
        metrics = metric.evaluate(2)
        return dict(status='ok', AP=metrics['lvis/bbox_AP'])
    except Exception as e:  # recorded for the test to check
        return dict(status='error', type=type(e).__name__, message=str(e))


def _worker(ann_file: str, out_dir: str):
    import torch.distributed as dist
    dist.init_process_group(
        'gloo', timeout=datetime.timedelta(seconds=GROUP_TIMEOUT_S))
    import lt_plugins.det  # noqa: F401
    from lt_plugins.engine.cpu_distributed import close_distributed
    rank = dist.get_rank()
    with open(ann_file) as f:
        images = json.load(f)['images']
    # one after the other in the same group: a failure leaves the group
    # usable for the next evaluation
    outcomes = {
        f'{metric_type}_{mode}': _evaluate(metric_type, ann_file, images,
                                           rank, mode == 'fail')
        for metric_type, mode in (('LVISPerCategoryMetric', 'fail'),
                                  ('FastLVISMetric', 'fail'),
                                  ('LVISPerCategoryMetric', 'ok'))
    }
    with open(osp.join(out_dir, f'rank{rank}.json'), 'w') as f:
        json.dump(outcomes, f)
    # every rank got here: the group is intact after the failures
    close_distributed()


def test_rank_zero_failure_ends_every_rank_with_the_error(toy_lvis,
                                                          tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO + (
        os.pathsep + os.environ['PYTHONPATH']
        if os.environ.get('PYTHONPATH') else ''))
    cmd = [sys.executable, '-m', 'torch.distributed.run',
           '--nproc_per_node=2', f'--master_port={free_port()}', __file__,
           toy_lvis['val'], str(tmp_path)]
    # cwd: mmengine gathers results through a folder it makes there
    proc = subprocess.run(cmd, env=env, cwd=str(tmp_path),
                          capture_output=True,
                          text=True, timeout=GROUP_TIMEOUT_S + 120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rank0, rank1 = [json.load(open(tmp_path / f'rank{r}.json'))
                    for r in (0, 1)]
    for metric_type in ('LVISPerCategoryMetric', 'FastLVISMetric'):
        r0, r1 = rank0[f'{metric_type}_fail'], rank1[f'{metric_type}_fail']
        # rank 0: the original error; rank 1: the same, not a hang
        assert r0['status'] == 'error' and r0['type'] == 'ValueError'
        assert 'not in the LVIS annotation' in r0['message']
        assert r1['status'] == 'error', r1
        assert r1['type'] == 'MetricFailedOnRankZero'
        assert 'failed on rank 0' in r1['message']
        assert r0['message'] in r1['message']
    ok = 'LVISPerCategoryMetric_ok'
    assert rank0[ok]['status'] == 'ok' and rank0[ok] == rank1[ok]


if __name__ == '__main__':
    _worker(*sys.argv[1:3])
