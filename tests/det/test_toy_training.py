"""The toy Mask R-CNN trains with tools/train.py and reports bbox and segm
AP, APr, APc, APf with the LVIS protocol."""
import json

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
    # LVIS gives -1 to a frequency group without a category that has ground
    # truth in the evaluated images, and a real AP to the others
    data = json.load(open(toy_lvis['val']))
    with_gt = {a['category_id'] for a in data['annotations']}
    present = {c['frequency'] for c in data['categories'] if c['id'] in with_gt}
    assert present  # the small test set has no frequent category (> 100)
    for kind in ('bbox', 'segm'):
        assert 0.0 <= val[0][f'lvis/{kind}_AP'] <= 1.0
        for key, group in (('APr', 'r'), ('APc', 'c'), ('APf', 'f')):
            value = val[0][f'lvis/{kind}_{key}']
            if group in present:
                assert 0.0 <= value <= 1.0, (kind, key, value)
            else:
                assert value == -1, (kind, key, value)
