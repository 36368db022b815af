"""The toy Mask R-CNN trains with tools/train.py and reports bbox and segm
AP, APr, APc, APf with the LVIS protocol."""
from .toy_runs import scalars, train, write_config


def test_toy_mask_rcnn_trains_and_reports_lvis_bbox_and_segm_ap(
        toy_lvis, tmp_path):
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       'toy/mask-rcnn_toy-lvis_ce.py', toy_lvis['root'],
                       epochs=1, masks=True)
    work = str(tmp_path / 'work')
    train(cfg, work)
    val = [r for r in scalars(work) if 'lvis/segm_AP' in r]
    assert len(val) == 1
    for kind in ('bbox', 'segm'):
        for key in ('AP', 'APr', 'APc', 'APf'):
            value = val[0][f'lvis/{kind}_{key}']
            # -1 is LVIS's "no category of this group", else a real AP
            assert value == -1 or 0.0 <= value <= 1.0
