"""tools/plot_cdb_history.py and lt_plugins.engine.history_plots on a
history written by hand in the hook's format."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from lt_plugins.engine.history_plots import (group_quantiles, history_arrays,
                                             last_measured, load_history,
                                             lvis_class_stats,
                                             plot_cdb_history,
                                             read_class_counts)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'

CLASSES = ['acorn', 'bagel', 'cab', 'dog', 'egg']
# training images: acorn and bagel rare, cab common, dog and egg frequent
IMAGE_COUNTS = [3, 8, 50, 500, 200]
WEIGHTS = [[1.0, 1.0, 1.0, 1.0, 1.0],
           [2.0, 1.0, 1.2, 0.5, 0.3],
           [3.0, 1.5, 1.0, 0.25, 0.25]]
PERFORMANCE = [[None, 0.2, 0.5, 0.6, 0.7],
               [0.1, None, 0.4, 0.7, 0.8],
               [None, None, 0.45, 0.75, 0.8]]


def _write_history(tmp_path, metric='bbox'):
    """A history with the keys DifficultyHookBase._write_history writes."""
    records = []
    for epoch, (w, p) in enumerate(zip(WEIGHTS, PERFORMANCE), start=1):
        measured = [v for v in p if v is not None]
        records.append(dict(
            epoch=epoch, tau=[0.0, 3.5, 4.6][epoch - 1], bias=0.0,
            ratio=1.0, mean_performance=float(np.mean(measured)),
            num_missing=p.count(None),
            missing=[c for c, v in zip(CLASSES, p) if v is None],
            never_measured=[],
            performance=p,
            difficulty=[1.0 - v if v is not None else 0.5 for v in p],
            weights=w))
    path = tmp_path / 'cdb_history.json'
    path.write_text(json.dumps(dict(classes=CLASSES, metric=metric,
                                    tau_mode='sigmoid', history=records)))
    return path


def _write_lvis(tmp_path, with_counts=True):
    cats = []
    for i, (name, n) in enumerate(zip(CLASSES, IMAGE_COUNTS), start=1):
        cat = dict(id=i * 10, name=name, synset=f'{name}.n.01')
        if with_counts:
            cat.update(image_count=n,
                       frequency='r' if n <= 10 else 'c' if n <= 100 else 'f')
        cats.append(cat)
    anns, images, k = [], [], 0
    for cat, n in zip(cats, IMAGE_COUNTS):
        for j in range(n):
            k += 1
            images.append(dict(id=k))
            # two boxes on one image count as one training image
            anns += [dict(id=2 * k, image_id=k, category_id=cat['id']),
                     dict(id=2 * k + 1, image_id=k, category_id=cat['id'])]
    path = tmp_path / ('lvis.json' if with_counts else 'lvis_nocount.json')
    path.write_text(json.dumps(dict(categories=cats, images=images,
                                    annotations=anns)))
    return path


def _assert_png(path, max_bytes=300_000):
    from matplotlib.image import imread
    with open(path, 'rb') as f:
        assert f.read(8) == PNG_SIGNATURE
    assert 1000 < osp.getsize(path) < max_bytes
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 400


def test_group_medians_and_quartiles_equal_hand_computation():
    groups = ['r', 'r', 'c', 'f', 'f']
    summary = group_quantiles(np.array(WEIGHTS), groups)
    assert list(summary) == ['r', 'c', 'f']
    # rare: median of (2, 1) and (3, 1.5); quartiles by linear interpolation
    np.testing.assert_allclose(summary['r']['median'], [1.0, 1.5, 2.25])
    np.testing.assert_allclose(summary['r']['q25'], [1.0, 1.25, 1.875])
    np.testing.assert_allclose(summary['r']['q75'], [1.0, 1.75, 2.625])
    np.testing.assert_allclose(summary['c']['median'], [1.0, 1.2, 1.0])
    np.testing.assert_allclose(summary['f']['median'], [1.0, 0.4, 0.25])
    assert summary['f']['num_classes'] == 2
    # NaN (not measured) entries are left out of the group's statistics
    arrays = history_arrays(json.loads(json.dumps(dict(
        classes=CLASSES, history=[dict(epoch=1, tau=0, weights=WEIGHTS[0],
                                       difficulty=WEIGHTS[0],
                                       performance=p)
                                  for p in PERFORMANCE]))))
    perf = group_quantiles(arrays['performance'], groups)
    np.testing.assert_allclose(perf['r']['median'], [0.2, 0.1, np.nan])
    np.testing.assert_allclose(last_measured(arrays['performance']),
                               [0.1, 0.2, 0.45, 0.75, 0.8])


def test_history_arrays_mark_measured_classes(tmp_path):
    arrays = history_arrays(load_history(str(_write_history(tmp_path))))
    assert arrays['measured'].tolist() == [
        [False, True, True, True, True], [True, False, True, True, True],
        [False, False, True, True, True]]
    # the filled-in difficulty is still there, as the hook wrote it
    assert arrays['difficulty'][2, 0] == 0.5


def test_weights_title_says_mean_1_only_when_the_weights_have_it(tmp_path):
    data = json.loads(_write_history(tmp_path).read_text())
    for record in data['history']:  # every class measured, mean 1
        w = np.array(record['weights'])
        record['weights'] = (w / w.mean()).tolist()
        record['performance'] = [0.5] * len(CLASSES)
    path = tmp_path / 'normalised.json'
    path.write_text(json.dumps(data))
    title = plot_cdb_history(str(path), prefix='n')['weights']['title']
    assert title == 'CDB class weights as applied in training, mean 1'
    # normalize=False: weights 2 and 0.5 around a mean of 1.25
    for record in data['history']:
        record['weights'] = [2.0, 2.0, 0.5, 0.5, 1.25]
    path.write_text(json.dumps(data))
    title = plot_cdb_history(str(path), prefix='n')['weights']['title']
    assert title == 'CDB class weights as applied in training'


@pytest.mark.parametrize('content, name', [(7, 'int'), ('"7"', 'str'),
                                           (None, 'NoneType'),
                                           (7.5, 'float')])
def test_class_counts_of_a_wrong_json_type_are_named(tmp_path, content,
                                                     name):
    path = tmp_path / 'counts.json'
    path.write_text(content if isinstance(content, str)
                    else json.dumps(content))
    with pytest.raises(ValueError, match=f'got a json {name}'):
        read_class_counts(str(path), CLASSES)


def test_lvis_groups_and_counts_from_fields_or_annotations(tmp_path):
    groups, counts = lvis_class_stats(str(_write_lvis(tmp_path)), CLASSES)
    assert groups == ['r', 'r', 'c', 'f', 'f']
    assert counts.tolist() == IMAGE_COUNTS
    # without image_count/frequency: distinct images per category
    groups, counts = lvis_class_stats(
        str(_write_lvis(tmp_path, with_counts=False)), CLASSES)
    assert groups == ['r', 'r', 'c', 'f', 'f']
    assert counts.tolist() == IMAGE_COUNTS
    with pytest.raises(ValueError, match=r"1 of the 6 classes .*'fig'"):
        lvis_class_stats(str(_write_lvis(tmp_path)), CLASSES + ['fig'])


def test_lvis_run_writes_three_small_pngs_with_the_plotted_numbers(tmp_path):
    hist = _write_history(tmp_path)
    out = plot_cdb_history(str(tmp_path), str(tmp_path / 'plots'),
                           lvis_ann=str(_write_lvis(tmp_path)))
    assert set(out) == {'weights', 'difficulty', 'performance'}
    for result in out.values():
        assert osp.dirname(result['path']) == str(tmp_path / 'plots')
        _assert_png(result['path'])
    np.testing.assert_allclose(out['weights']['groups']['r']['median'],
                               [1.0, 1.5, 2.25])
    np.testing.assert_allclose(out['weights']['groups']['f']['median'],
                               [1.0, 0.4, 0.25])
    # the largest and the smallest last weight (a tie goes to the first)
    assert out['weights']['extremes'] == dict(largest='acorn',
                                              smallest='dog')
    # difficulty of measured classes only: the 0.5 the hook filled in for
    # an unmeasured class is no measurement. Rare: acorn and bagel, measured
    # d = 1 - A: epoch 1 bagel 0.8, epoch 2 acorn 0.9, epoch 3 none
    diff = out['difficulty']['groups']
    np.testing.assert_allclose(diff['r']['median'], [0.8, 0.9, np.nan])
    np.testing.assert_allclose(diff['r']['q25'], [0.8, 0.9, np.nan])
    assert diff['r']['num_values'].tolist() == [1, 1, 0]
    np.testing.assert_allclose(diff['c']['median'], [0.5, 0.6, 0.55])
    # frequent: dog and egg measured every time, (0.4, 0.3), ...
    np.testing.assert_allclose(diff['f']['median'], [0.35, 0.25, 0.225])
    legend = out['difficulty']['legend']
    assert 'rare (1-10 images), 0-1 measured of 2: median' in legend
    assert 'frequent (>100), 2 measured of 2: median' in legend
    assert 'measured classes only' in out['difficulty']['title']
    # the weights are what training applies: every class, and the title
    # says unmeasured ones are in; these weights do not average to 1
    # (epoch 2: 5.0 / 5 = 1, epoch 3: 6.0 / 5)
    assert 'unmeasured classes included' in out['weights']['title']
    assert 'mean 1' not in out['weights']['title']
    assert 'rare (1-10 images), 2 classes (measured or not): median' in \
        out['weights']['legend']
    pts = out['performance']['points']
    assert pts['r']['x'].tolist() == [3, 8]
    np.testing.assert_allclose(pts['r']['y'], [0.1, 0.2])
    np.testing.assert_allclose(pts['f']['y'], [0.75, 0.8])
    assert out['performance']['num_left_out'] == 0
    assert load_history(str(hist))['metric'] == 'bbox'


def test_classification_history_with_and_without_class_counts(tmp_path):
    _write_history(tmp_path, metric='accuracy')
    counts = tmp_path / 'counts.json'
    counts.write_text(json.dumps(dict(zip(CLASSES, [5, 0, 50, 500, 150]))))
    out = plot_cdb_history(str(tmp_path / 'cdb_history.json'),
                           class_counts=str(counts), prefix='cls')
    assert osp.basename(out['performance']['path']) == \
        'cls_performance_vs_count.png'
    # few < 20 <= medium <= 100 < many; the class with 0 images has no
    # place on the log axis and is counted as left out
    pts = out['performance']['points']
    assert pts['few']['x'].tolist() == [5]
    assert pts['medium']['x'].tolist() == [50]
    assert pts['many']['x'].tolist() == [500, 150]
    assert out['performance']['num_left_out'] == 1
    np.testing.assert_allclose(out['weights']['groups']['many']['median'],
                               [1.0, 0.4, 0.25])
    for result in out.values():
        _assert_png(result['path'])
    # no counts: one group, no performance plot
    out = plot_cdb_history(str(tmp_path), prefix='nocounts')
    assert set(out) == {'weights', 'difficulty'}
    np.testing.assert_allclose(out['weights']['groups']['all']['median'],
                               [1.0, 1.0, 1.0])
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match='list of 5 counts'):
        plot_cdb_history(str(tmp_path), class_counts=str(bad))


def test_tool_cli_and_bad_history_are_named(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'plot_cdb_history_tool', osp.join(REPO, 'tools/plot_cdb_history.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    _write_history(tmp_path)
    out = tool.main([str(tmp_path), '--lvis-ann',
                     str(_write_lvis(tmp_path)), '--out-dir',
                     str(tmp_path / 'o')])
    printed = capsys.readouterr().out
    for result in out.values():
        assert result['path'] in printed
        _assert_png(result['path'])
    with pytest.raises(FileNotFoundError, match='nowhere'):
        tool.main([str(tmp_path / 'nowhere.json')])
    broken = json.loads((tmp_path / 'cdb_history.json').read_text())
    broken['history'][1]['weights'] = [1.0, 2.0]
    (tmp_path / 'broken.json').write_text(json.dumps(broken))
    with pytest.raises(ValueError, match='record 1 .* 2 weights values for '
                       '5 classes'):
        tool.main([str(tmp_path / 'broken.json')])


def test_history_written_by_the_real_classification_hook(tmp_path):
    """A history from CDBClsHook on the toy CIFAR-10-LT config, plotted with
    the training set's class counts."""
    import torch
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    import lt_plugins.cls  # noqa: F401
    from lt_plugins.cls.cdb import CDBClsHook
    from lt_plugins.cls.class_counts import dataset_class_counts
    from lt_plugins.data.toy_cifar import generate_toy_cifar
    spec = importlib.util.spec_from_file_location(
        'cls_toy_config', osp.join(REPO, 'tests', 'cls', 'cls_toy_config.py'))
    cls_toy_config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cls_toy_config)
    toy_config = cls_toy_config.toy_config

    root = generate_toy_cifar(str(tmp_path / 'data'), 'cifar10',
                              train_per_class=40, test_per_class=2)
    work = tmp_path / 'work'
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        runner = Runner.from_cfg(toy_config(root, work))
        hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
        hook.before_train(runner)
        head = runner.model.head
        with torch.no_grad():  # every image predicted as class 3, then 5
            head.fc.weight.zero_()
            head.fc.bias.zero_()
            head.fc.bias[3] = 10.0
            hook.update(runner, 1)
            head.fc.bias[3] = 0.0
            head.fc.bias[5] = 10.0
            hook.update(runner, 2)
        counts = dataset_class_counts(runner.train_dataloader.dataset)
    data = load_history(str(work))
    assert data['metric'] == 'accuracy' and len(data['history']) == 2
    (work / 'counts.json').write_text(json.dumps(counts.tolist()))
    out = plot_cdb_history(str(work), class_counts=str(work / 'counts.json'))
    groups = np.array(['few' if n < 20 else 'medium' if n <= 100 else 'many'
                       for n in counts])
    weights = np.array([r['weights'] for r in data['history']])
    for g, s in out['weights']['groups'].items():
        np.testing.assert_allclose(
            s['median'], np.median(weights[:, groups == g], axis=1))
    # the perfectly classified class gets the smallest weight last
    assert out['weights']['extremes']['smallest'] == data['classes'][5]
    pts = out['performance']['points']
    assert sum(len(p['x']) for p in pts.values()) == 10
    np.testing.assert_allclose(
        sorted(np.concatenate([p['y'] for p in pts.values()])),
        [0.0] * 9 + [1.0])
    for result in out.values():
        _assert_png(result['path'])
