#!/usr/bin/env bash
# Build (or reuse) the Python environment that lt_plugins runs in.
#
# Idempotent: every step first checks whether its result is already there and
# skips itself if so. The environment lives outside the checkout so that a
# second clone on the same machine reuses it:
#
#   LT_PLUGINS_HOME   (default ~/.cache/lt_plugins)
#     venv/           the virtual environment
#     wheels/         the locally built mmcv wheel, reused by later setups
#
# Set LT_PLUGINS_PYTHON to an existing interpreter to use that environment
# instead; packages it already has in a working state are not reinstalled.
#
# Pinned stack (see README "Environment"): torch 2.13.0, torchvision 0.28.0,
# mmengine 0.10.7, mmcv 2.1.0 with compiled ops, mmdet 3.3.0, mmpretrain 1.2.0,
# lvis 0.5.3, pycocotools.
set -euo pipefail

HOME_DIR="${LT_PLUGINS_HOME:-$HOME/.cache/lt_plugins}"
VENV="$HOME_DIR/venv"
WHEELS="$HOME_DIR/wheels"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -n "${LT_PLUGINS_PYTHON:-}" ]; then
    PY="$LT_PLUGINS_PYTHON"
    [ -x "$PY" ] || die "LT_PLUGINS_PYTHON=$PY is not an executable interpreter"
else
    PY="$VENV/bin/python"
    if [ ! -x "$PY" ]; then
        say "creating virtual environment in $VENV"
        mkdir -p "$HOME_DIR"
        python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
    fi
fi
mkdir -p "$WHEELS"
pipi() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }
has() { "$PY" - "$@" >/dev/null 2>&1; }

# 1. torch + torchvision. The registry's build, not the CPU-only file in the
#    machine's local wheel directory: torchvision fails to import beside that
#    one ("operator torchvision::nms does not exist").
if has <<'PYEOF'
import torch, torchvision, torchvision.ops
assert torch.__version__.split('+')[0] == '2.13.0', torch.__version__
assert torchvision.__version__.split('+')[0] == '0.28.0', torchvision.__version__
PYEOF
then
    say "torch $("$PY" -c 'import torch; print(torch.__version__)') already installed, keeping it"
else
    say "installing torch 2.13.0 + torchvision 0.28.0 (about a minute)"
    PIP_FIND_LINKS=" " pipi torch==2.13.0 torchvision==0.28.0 \
        || die "installing torch/torchvision failed"
fi

# 2. mmengine and the build tools mmcv needs (setuptools >= 70 lacks
#    pkg_resources and the mmcv build dies at once).
pipi "mmengine==0.10.7" "setuptools<70" wheel ninja "numpy<3" pytest \
    || die "installing mmengine / build tools failed"

# 3. mmcv 2.1.0 with compiled ops. No wheel exists for torch 2.13, so it is
#    built from the sdist once (7-11 minutes on 2 cores) and the wheel is
#    cached in $WHEELS for every later setup.
if has <<'PYEOF'
import mmcv, mmcv.ops
assert mmcv.__version__ == '2.1.0', mmcv.__version__
from mmcv.ops import RoIAlign, nms
PYEOF
then
    say "mmcv $("$PY" -c 'import mmcv; print(mmcv.__version__)') with ops already installed, keeping it"
else
    wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 || true)
    if [ -z "$wheel" ]; then
        say "building mmcv 2.1.0 with ops from source (7-11 minutes, log in $HOME_DIR/mmcv-build.log)"
        if ! MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=2 "$PY" -m pip wheel --no-deps \
                --no-build-isolation --disable-pip-version-check -w "$WHEELS" \
                mmcv==2.1.0 >"$HOME_DIR/mmcv-build.log" 2>&1; then
            tail -n 30 "$HOME_DIR/mmcv-build.log" >&2
            die "the mmcv build failed; full log: $HOME_DIR/mmcv-build.log"
        fi
        wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl | head -n 1)
    else
        say "reusing cached mmcv wheel $wheel"
    fi
    pipi "$wheel" || die "installing $wheel failed"
    has <<'PYEOF' || die "mmcv installed but mmcv.ops does not import; remove $WHEELS and retry"
from mmcv.ops import RoIAlign, nms
PYEOF
fi

# 4. The OpenMMLab libraries and LVIS evaluation.
pipi "mmdet==3.3.0" "mmpretrain==1.2.0" "lvis==0.5.3" "pycocotools>=2.0.7" \
    || die "installing mmdet / mmpretrain / lvis failed"

# 5. This package, editable, so configs and tools see the checkout.
pipi --no-deps --no-build-isolation -e "$REPO" || die "installing lt_plugins failed"

has <<'PYEOF' || die "the final import check failed (run: $PY -c 'import lt_plugins.det, lt_plugins.cls')"
import mmcv.ops, mmdet.models, mmpretrain.models, lvis
import lt_plugins
PYEOF
say "environment ready: $PY"
echo "$PY"
