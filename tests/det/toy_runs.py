"""Write small test configs on top of the repo's toy configs and run them
with tools/train.py in a subprocess, exactly as a user would."""
import json
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional

from tests.ddp_launch import free_port

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TEMPLATE = """
_base_ = {base!r}
data_root = {data_root!r}
image_scale = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask={masks}),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/lvis_v0.5_val.json')
test_evaluator = val_evaluator
heldout_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='LVISV05Dataset', data_root=data_root,
                 ann_file='annotations/lvis_v0.5_heldout.json',
                 data_prefix=dict(img='train2017/'), test_mode=True,
                 metainfo=dict(classes={{{{_base_.classes}}}}),
                 pipeline=test_pipeline))
custom_hooks = [
    dict(type='CDBDifficultyHook', dataloader=heldout_dataloader,
         metric='bbox', interval=1, tau='sigmoid')
] if {cdb} else []
train_cfg = dict(max_epochs={epochs}, val_interval={val_interval})
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=5),
]
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=1, max_keep_ckpts=3))
log_processor = dict(window_size=5)
randomness = dict(seed=0)
"""


def write_config(path: str, base: str, data_root: str, epochs: int = 1,
                 val_interval: Optional[int] = None, masks: bool = False,
                 extra: str = '') -> str:
    """A test config inheriting ``configs/<base>`` on the given toy data."""
    text = TEMPLATE.format(
        base=osp.join(REPO, 'configs', base), data_root=data_root.rstrip('/')
        + '/', epochs=epochs, val_interval=val_interval or epochs,
        masks=masks, cdb='_cdb' in base)
    with open(path, 'w') as f:
        f.write(text + extra)
    return path


def train(config: str, work_dir: str, args: List[str] = (),
          nproc: int = 1, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run tools/train.py (under torchrun when nproc > 1)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    if nproc > 1:
        cmd = [sys.executable, '-m', 'torch.distributed.run',
               f'--nproc_per_node={nproc}', f'--master_port={free_port()}',
               osp.join(REPO, 'tools/train.py'), config, '--work-dir',
               work_dir, '--launcher', 'pytorch', *args]
    else:
        cmd = [sys.executable, osp.join(REPO, 'tools/train.py'), config,
               '--work-dir', work_dir, *args]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed:\n{proc.stdout[-4000:]}'
                             f'\n{proc.stderr[-6000:]}')
    return proc


def scalars(work_dir: str) -> List[dict]:
    """All records of every run's vis_data/scalars.json, in run order."""
    out = []
    for run in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, run, 'vis_data', 'scalars.json')
        if osp.isfile(path):
            with open(path) as f:
                out += [json.loads(line) for line in f]
    return out


def with_heldout_split(toy_root: str, dest: str) -> str:
    """A copy of the toy set in ``dest`` plus its held-out split, as a user
    cuts it (3 images per category); returns ``dest``."""
    import shutil

    from lt_plugins.data.lvis_split import split_lvis_heldout
    shutil.copytree(toy_root, dest, dirs_exist_ok=True)
    ann = osp.join(dest, 'annotations')
    with open(osp.join(ann, 'lvis_v0.5_train.json')) as f:
        data = json.load(f)
    train_ann, heldout_ann, _ = split_lvis_heldout(
        data, images_per_category=3, seed=0)
    for name, obj in (('lvis_v0.5_train_cdb.json', train_ann),
                      ('lvis_v0.5_heldout.json', heldout_ann)):
        with open(osp.join(ann, name), 'w') as f:
            json.dump(obj, f)
    return dest
