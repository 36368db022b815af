"""The README's five-line detector switch is the shipped CDB config: the
same model, data and schedule, and a hook that is built with the same
settings (the lines leave the paper's defaults out)."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / 'configs/lvis/faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py'


def _five_lines() -> str:
    text = (REPO / 'README.md').read_text()
    section = text[text.index('## Switch a detector to CDB in five lines'):]
    return re.search(r'```python\n(.*?)```', section, flags=re.S).group(1)


def test_the_switch_is_five_lines():
    assert len(_five_lines().strip().splitlines()) == 5


def test_the_switch_gives_the_shipped_cdb_config(tmp_path):
    pytest.importorskip('mmdet')
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import lt_plugins.det  # noqa: F401
    from mmdet.registry import HOOKS

    lines = _five_lines().replace(
        "'./faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py'",
        repr(str(SHIPPED.parent / 'faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py')))
    (tmp_path / 'switch.py').write_text(lines)
    switch = Config.fromfile(str(tmp_path / 'switch.py')).to_dict()
    shipped = Config.fromfile(str(SHIPPED)).to_dict()

    hooks = switch.pop('custom_hooks'), shipped.pop('custom_hooks')
    assert switch == shipped
    assert [len(h) for h in hooks] == [1, 1]
    with DefaultScope.overwrite_default_scope('mmdet'):
        built = [vars(HOOKS.build(h[0])) for h in hooks]
    assert built[0] == built[1]
